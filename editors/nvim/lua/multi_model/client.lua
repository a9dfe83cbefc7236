-- Starting and finding the server's client, across Neovim versions: `vim.lsp.start`
-- where it exists, `vim.lsp.start_client` + `vim.lsp.buf_attach_client` on 0.7.

local config = require("multi_model.config")
local progress = require("multi_model.progress")
local ui = require("multi_model.ui")

local M = {}

M.NAME = "multi-model"

local has = function(feature)
  return vim.fn.has(feature) == 1
end

-- 0.7 only: one client per root, reused for every buffer under it.
local started = {}

-- `window/showMessage`: Neovim's own handler writes the whole message, several lines for a
-- long one, which stops the editor with "Press ENTER"; here it is one line on screen, in
-- full in `:MultiModelLog`, and the end of a running job repeats a warning or error.
local function show_message(_, result, ctx)
  local level = ui.level_of(result.type)
  ui.message(level, result.message)
  if level >= vim.log.levels.WARN then
    progress.problem(ctx.client_id, level, result.message)
  end
  return vim.NIL
end

-- `window/logMessage`: the server's log, kept for `:MultiModelLog` instead of only in
-- Neovim's LSP log file (which 0.7 fills only from the "info" log level).
local function log_message(_, result)
  ui.record(ui.level_of(result.type), result.message)
  return vim.NIL
end

-- Plans and examples arrive as documents to open; 0.7 has no handler for that request.
local function show_document(_, result)
  local path = vim.fn.fnameescape(vim.uri_to_fname(result.uri))
  -- `:edit` refuses to leave a modified buffer when 'hidden' is off; a split never does.
  local opened = pcall(vim.cmd, "edit " .. path) or pcall(vim.cmd, "split " .. path)
  if opened and result.selection then
    local start = result.selection.start
    pcall(vim.api.nvim_win_set_cursor, 0, { start.line + 1, start.character })
  end
  return { success = opened }
end

local function capabilities(opts)
  local caps = vim.lsp.protocol.make_client_capabilities()
  -- Inline completions (LSP 3.18): the server offers them only to a client that says it
  -- shows them; 0.12+ says so by itself, which the option to turn them off takes back.
  caps.textDocument = caps.textDocument or {}
  if opts.inline_completion and opts.inline_completion.enabled then
    caps.textDocument.inlineCompletion = caps.textDocument.inlineCompletion or { dynamicRegistration = false }
  else
    caps.textDocument.inlineCompletion = nil
  end
  caps.window = caps.window or {}
  caps.window.workDoneProgress = true
  caps.window.showDocument = { support = true }
  caps.workspace = caps.workspace or {}
  caps.workspace.applyEdit = true
  local edit = caps.workspace.workspaceEdit or {}
  edit.documentChanges = true
  edit.resourceOperations = edit.resourceOperations or {}
  if not vim.tbl_contains(edit.resourceOperations, "create") then
    table.insert(edit.resourceOperations, "create")
  end
  caps.workspace.workspaceEdit = edit
  return caps
end

local function handlers()
  local list = {
    ["window/showMessage"] = show_message,
    ["window/logMessage"] = log_message,
    -- Neovim's handler first: it keeps the progress for `vim.lsp.status()`, fidget.nvim and
    -- the `LspProgress` autocmd; it prints nothing.
    ["$/progress"] = function(err, result, ctx, handler_config)
      local answer = vim.lsp.handlers["$/progress"](err, result, ctx, handler_config)
      if result then
        progress.update(ctx.client_id, result.token, result.value)
      end
      return answer
    end,
  }
  if not vim.lsp.handlers["window/showDocument"] then
    list["window/showDocument"] = show_document
  end
  return list
end

-- The nearest directory above `path` holding one of `markers`.
function M.root_dir(path, markers)
  local dir = path ~= "" and vim.fn.fnamemodify(path, ":p:h") or vim.fn.getcwd()
  local best
  for _, marker in ipairs(markers) do
    local found = vim.fn.finddir(marker, dir .. ";")
    if found == "" then
      found = vim.fn.findfile(marker, dir .. ";")
    end
    if found ~= "" then
      local absolute = vim.fn.fnamemodify(found, ":p"):gsub("/$", "")
      local root = absolute:sub(1, #absolute - #marker - 1)
      if not best or #root > #best then
        best = root
      end
    end
  end
  return best or dir
end

function M.client_config(opts, root)
  return {
    name = M.NAME,
    cmd = opts.cmd,
    cmd_env = config.cmd_env(opts),
    root_dir = root,
    init_options = config.init_options(opts),
    settings = config.settings(opts),
    capabilities = capabilities(opts),
    handlers = handlers(),
    on_init = function(client)
      -- 0.8+ sends the settings after `initialized` by itself.
      if not has("nvim-0.8") then
        client.notify("workspace/didChangeConfiguration", { settings = client.config.settings })
      end
    end,
    on_attach = function(client, bufnr)
      -- Required here: inline.lua requires this module.
      require("multi_model.inline").attach(client, bufnr, opts)
      if opts.on_attach then
        opts.on_attach(client, bufnr)
      end
    end,
  }
end

local warned_missing = false

function M.attach(bufnr, opts)
  if vim.fn.executable(opts.cmd[1]) == 0 then
    if not warned_missing then
      warned_missing = true
      ui.message(vim.log.levels.ERROR, "`" .. opts.cmd[1] .. "` is not executable; install it or set `cmd` in setup()")
    end
    return
  end
  local root = M.root_dir(vim.api.nvim_buf_get_name(bufnr), opts.root_markers)
  local client_config = M.client_config(opts, root)
  if vim.lsp.start then
    vim.lsp.start(client_config, { bufnr = bufnr })
    return
  end
  local id = started[root]
  if not (id and vim.lsp.get_client_by_id(id)) then
    id = vim.lsp.start_client(client_config)
    started[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.is_ours(client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  return client ~= nil and client.name == M.NAME
end

function M.all()
  local found = {}
  local clients = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  for _, client in ipairs(clients) do
    if client.name == M.NAME then
      table.insert(found, client)
    end
  end
  return found
end

function M.for_buffer(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = M.NAME })[1]
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == M.NAME then
      return client
    end
  end
  return nil
end

-- 0.11 made client methods take `self`; the dotted calls still work on 0.7–0.10.
function M.request(client, method, params, handler, bufnr)
  if has("nvim-0.11") then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.notify(client, method, params)
  if has("nvim-0.11") then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

return M
