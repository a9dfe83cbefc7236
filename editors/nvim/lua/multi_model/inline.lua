-- Inline completion: Hephaestus's suggestion at the cursor as ghost text while you type
-- (LSP 3.18 `textDocument/inlineCompletion`), accepted with a key.
--
-- Neovim 0.12+ has its own (`vim.lsp.inline_completion`): it is enabled for this client and
-- the accept key calls it. Before that the plugin shows the suggestion itself:
--
-- * Typing or moving the cursor in Insert mode hides the suggestion shown, cancels the
--   request in flight (`$/cancelRequest`; at most one per buffer) and, after a short pause
--   (`debounce_ms`), asks again. An answer for a place the cursor has left is dropped.
-- * The suggestion is an extmark at the cursor: its first line as virtual text — `inline`
--   on 0.10+, which pushes the rest of the line right as inserted text would; on 0.7–0.9,
--   which lack it, `overlay` at the end of the line (where it looks like typed text and
--   covers nothing), `eol` in the middle of one (so no character of the line is hidden) —
--   and each further line as a virtual line below, all in `MultiModelGhost` (Comment).
-- * The accept key inserts the text (every line), puts the cursor at its end and runs the
--   item's command (`multi-model.completionAccepted`), which records the acceptance; the
--   dismiss key hides it; leaving Insert mode or the buffer hides it.

local client_mod = require("multi_model.client")
local ui = require("multi_model.ui")

local M = {}

M.HIGHLIGHT = "MultiModelGhost"

local api = vim.api
local namespace = api.nvim_create_namespace("multi_model_inline")
local group = api.nvim_create_augroup("multi_model_inline", { clear = true })

-- `inline_completion` of the options (config.lua), set by setup() or the first attach.
local settings = nil

-- Per buffer (before 0.12): the timer, the request in flight, the suggestion shown.
local states = {}

local has = function(feature)
  return vim.fn.has(feature) == 1
end

-- Neovim's own inline completion (0.12+), or nil.
local function builtin()
  local ok, module = pcall(function()
    return vim.lsp.inline_completion
  end)
  if ok and type(module) == "table" and module.enable and module.get then
    return module
  end
  return nil
end

function M.uses_builtin()
  return builtin() ~= nil
end

local function define_highlight()
  vim.cmd("highlight default link " .. M.HIGHLIGHT .. " Comment")
end

function M.configure(options)
  settings = options
  define_highlight()
  api.nvim_create_autocmd("ColorScheme", { group = group, callback = define_highlight })
end

local function enabled()
  return settings ~= nil and settings.enabled
end

-- Also makes any answer still to come for an earlier request stale.
local function cancel_request(state)
  state.seq = state.seq + 1
  local pending = state.pending
  state.pending = nil
  if pending and pending.id then
    if has("nvim-0.11") then
      pcall(pending.client.cancel_request, pending.client, pending.id)
    else
      pcall(pending.client.cancel_request, pending.id)
    end
  end
end

-- Hides the suggestion of `bufnr`, if one is shown.
local function clear(bufnr)
  local state = states[bufnr]
  if state and state.shown then
    state.shown = nil
    if api.nvim_buf_is_valid(bufnr) then
      api.nvim_buf_clear_namespace(bufnr, namespace, 0, -1)
    end
    return true
  end
  return false
end

local function in_insert_mode()
  return api.nvim_get_mode().mode:sub(1, 1) == "i"
end

-- Where the cursor is, as far as a suggestion cares: buffer, line, byte column and text.
local function place(bufnr)
  local cursor = api.nvim_win_get_cursor(0)
  return {
    bufnr = bufnr,
    row = cursor[1] - 1,
    col = cursor[2],
    tick = api.nvim_buf_get_changedtick(bufnr),
  }
end

local function same_place(a, b)
  return a.bufnr == b.bufnr and a.row == b.row and a.col == b.col and a.tick == b.tick
end

-- Virtual text shows a tab as one cell; the buffer would show 'tabstop' cells.
local function displayed(text, bufnr)
  return (text:gsub("\t", string.rep(" ", vim.bo[bufnr].tabstop)))
end

-- The first item with text to insert at the cursor (`position`, sent with the request).
local function first_item(result, position)
  local items = type(result) == "table" and (result.items or result) or {}
  for _, item in ipairs(items) do
    local text = item.insertText
    if type(text) == "table" then
      text = text.value
    end
    -- An item that replaces text (a non-empty range) or inserts elsewhere is not ghost
    -- text at the cursor; the server's items are empty ranges at it.
    local range = item.range
    local at_cursor = range == nil
      or (
        range.start.line == position.line
        and range.start.character == position.character
        and range["end"].line == position.line
        and range["end"].character == position.character
      )
    if type(text) == "string" and text:match("%S") and at_cursor then
      return { text = (text:gsub("\r\n", "\n")), command = item.command }
    end
  end
  return nil
end

local function show(bufnr, at, item, lsp_client)
  local lines = vim.split(item.text, "\n", { plain = true })
  local line = api.nvim_buf_get_lines(bufnr, at.row, at.row + 1, true)[1]
  local opts = { hl_mode = "combine" }
  if lines[1] ~= "" then
    local position
    if has("nvim-0.10") then
      position = "inline"
    elseif at.col >= #line then
      position = "overlay"
    else
      position = "eol"
    end
    opts.virt_text = { { displayed(lines[1], bufnr), M.HIGHLIGHT } }
    opts.virt_text_pos = position
  end
  if #lines > 1 then
    opts.virt_lines = {}
    for index = 2, #lines do
      table.insert(opts.virt_lines, { { displayed(lines[index], bufnr), M.HIGHLIGHT } })
    end
  end
  clear(bufnr)
  states[bufnr].shown = {
    place = at,
    lines = lines,
    command = item.command,
    client = lsp_client,
    extmark = api.nvim_buf_set_extmark(bufnr, namespace, at.row, at.col, opts),
  }
end

local function request(bufnr)
  local state = states[bufnr]
  if not (state and enabled() and api.nvim_buf_is_valid(bufnr)) then
    return
  end
  if api.nvim_get_current_buf() ~= bufnr or not in_insert_mode() then
    return
  end
  local lsp_client = client_mod.for_buffer(bufnr)
  if not lsp_client or state.unsupported then
    return
  end
  local caps = lsp_client.server_capabilities
  if caps and not caps.inlineCompletionProvider then
    -- A server that was not told the client shows them, or one without them.
    return
  end
  cancel_request(state)
  local at = place(bufnr)
  local params = vim.lsp.util.make_position_params(0, lsp_client.offset_encoding or "utf-16")
  params.context = { triggerKind = 2 }
  state.seq = state.seq + 1
  local seq = state.seq
  local ok, id = client_mod.request(lsp_client, "textDocument/inlineCompletion", params, function(err, result)
    if state.seq ~= seq then
      return
    end
    state.pending = nil
    if err then
      -- A superseded or cancelled request is normal; an older server lacks the method.
      if err.code == -32601 then
        state.unsupported = true
      end
      if err.code ~= -32800 then
        ui.record(vim.log.levels.DEBUG, "inline completion: " .. tostring(err.message or err.code))
      end
      return
    end
    local item = first_item(result, params.position)
    if not item or not api.nvim_buf_is_valid(bufnr) or api.nvim_get_current_buf() ~= bufnr then
      return
    end
    if not in_insert_mode() or not same_place(at, place(bufnr)) then
      return
    end
    show(bufnr, at, item, lsp_client)
  end, bufnr)
  if ok then
    state.pending = { client = lsp_client, id = id }
  end
end

-- Typing or a cursor move: what was shown is gone, and a pause asks again.
local function changed(bufnr)
  local state = states[bufnr]
  if not state then
    return
  end
  clear(bufnr)
  cancel_request(state)
  state.timer:stop()
  if not enabled() then
    return
  end
  state.timer:start(
    settings.debounce_ms or 50,
    0,
    vim.schedule_wrap(function()
      request(bufnr)
    end)
  )
end

local function stop(bufnr)
  local state = states[bufnr]
  if not state then
    return
  end
  clear(bufnr)
  cancel_request(state)
  state.timer:stop()
end

local function forget(bufnr)
  local state = states[bufnr]
  if state then
    stop(bufnr)
    state.timer:close()
    states[bufnr] = nil
  end
end

-- Whether a suggestion is shown in the current buffer (ours, or Neovim's own on 0.12+).
function M.visible()
  local bufnr = api.nvim_get_current_buf()
  if builtin() then
    local ns = api.nvim_get_namespaces()["nvim.lsp.inline_completion"]
    return ns ~= nil and #api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { limit = 1 }) > 0
  end
  local state = states[bufnr]
  return state ~= nil and state.shown ~= nil
end

local function insert(bufnr, shown)
  local at = shown.place
  local lines = shown.lines
  api.nvim_buf_set_text(bufnr, at.row, at.col, at.row, at.col, lines)
  local last_row = at.row + #lines - 1
  local last_col = (#lines == 1 and at.col or 0) + #lines[#lines]
  api.nvim_win_set_cursor(0, { last_row + 1, last_col })
  local command = shown.command
  if command and command.command then
    client_mod.request(shown.client, "workspace/executeCommand", {
      command = command.command,
      arguments = command.arguments,
    }, function(err)
      if err then
        ui.record(vim.log.levels.WARN, "inline completion accepted, not recorded: " .. tostring(err.message))
      end
    end, bufnr)
  end
end

-- Accepts the suggestion shown in the current buffer: true if there was one.
function M.accept()
  local bufnr = api.nvim_get_current_buf()
  local own = builtin()
  if own then
    if not M.visible() then
      return false
    end
    return own.get({ bufnr = bufnr }) ~= false
  end
  local state = states[bufnr]
  local shown = state and state.shown
  if not shown or not same_place(shown.place, place(bufnr)) then
    clear(bufnr)
    return false
  end
  clear(bufnr)
  -- From an `expr` mapping the buffer may not change (textlock): right after it, then.
  if not pcall(insert, bufnr, shown) then
    vim.schedule(function()
      if api.nvim_buf_is_valid(bufnr) and api.nvim_get_current_buf() == bufnr then
        insert(bufnr, shown)
      end
    end)
  end
  return true
end

-- Hides the suggestion shown in the current buffer: true if there was one. The next
-- keystroke asks again.
function M.dismiss()
  local bufnr = api.nvim_get_current_buf()
  local state = states[bufnr]
  if not state then
    return false
  end
  local had = clear(bufnr)
  cancel_request(state)
  state.timer:stop()
  return had
end

local function termcodes(keys)
  return api.nvim_replace_termcodes(keys, true, true, true)
end

-- Mappings of the same key that were there before ours (Neovim 0.11's snippet `<Tab>`, a
-- completion plugin's, your own), run when no suggestion is shown; by number, for `<Cmd>`.
local fallbacks = {}

function M._fallback(id)
  local run = fallbacks[id]
  if run then
    run()
  end
end

-- What the key does without us: the keys an expression mapping returns, for the mapping
-- that calls this one to return in turn; nil when that cannot be called.
local function fallback_of(existing, key)
  if next(existing) == nil or tostring(existing.desc or ""):find("^multi%-model") then
    return function()
      return termcodes(key)
    end
  end
  -- Keys a mapping that allowed remapping produces are fed to be mapped again.
  local function typed(keys)
    if existing.noremap == 1 then
      return keys
    end
    api.nvim_feedkeys(keys, "mi", false)
    return ""
  end
  if existing.callback then
    if type(existing.callback) ~= "function" then
      -- 0.7 gives a Lua mapping's function as a number nothing can call.
      return nil
    end
    if existing.expr == 1 then
      return function()
        local keys = existing.callback() or ""
        -- 0.7's `vim.keymap.set` replaced them in the callback itself; 0.8+ says so here.
        if existing.replace_keycodes == 1 then
          keys = termcodes(keys)
        end
        return typed(keys)
      end
    end
    table.insert(fallbacks, existing.callback)
    local run = termcodes("<Cmd>lua require('multi_model.inline')._fallback(" .. #fallbacks .. ")<CR>")
    return function()
      return run
    end
  end
  local rhs = existing.rhs or ""
  if existing.expr == 1 then
    return function()
      return typed(api.nvim_eval(rhs))
    end
  end
  local keys = termcodes(rhs)
  return function()
    return typed(keys)
  end
end

-- The key runs `action` while a suggestion is shown, else what it did before.
local function map(bufnr, key, action, desc)
  if not key or key == "" then
    return
  end
  local existing = api.nvim_buf_call(bufnr, function()
    return vim.fn.maparg(key, "i", false, true)
  end)
  local otherwise = fallback_of(existing, key)
  if not otherwise then
    ui.record(
      vim.log.levels.INFO,
      "inline completion: "
        .. key
        .. " is mapped in Insert mode by a Lua function this Neovim cannot call; left as it is"
        .. " (call require('multi_model')."
        .. action
        .. "() from that mapping, or choose another key in setup())"
    )
    return
  end
  local run = termcodes("<Cmd>lua require('multi_model.inline')." .. action .. "()<CR>")
  -- Not `vim.keymap.set`: on 0.7 it replaces the keys of an expression mapping again even
  -- when told not to, which breaks keys already replaced (a fallback's).
  api.nvim_buf_set_keymap(bufnr, "i", key, "", {
    callback = function()
      if M.visible() then
        return run
      end
      return otherwise()
    end,
    expr = true,
    noremap = true,
    silent = true,
    desc = desc,
  })
end

-- Our client attached to `bufnr`.
function M.attach(lsp_client, bufnr, options)
  if not settings then
    M.configure(options.inline_completion)
  end
  local opts = options.inline_completion
  if not (opts and opts.enabled) then
    return
  end
  local own = builtin()
  if own then
    if not pcall(own.enable, true, { bufnr = bufnr, client_id = lsp_client.id }) then
      pcall(own.enable, true, { bufnr = bufnr })
    end
    map(bufnr, opts.accept, "accept", "multi-model: accept the inline completion")
    return
  end
  if states[bufnr] then
    return
  end
  states[bufnr] = { timer = vim.loop.new_timer(), seq = 0 }
  api.nvim_clear_autocmds({ group = group, buffer = bufnr })
  api.nvim_create_autocmd({ "TextChangedI", "TextChangedP", "CursorMovedI" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      changed(bufnr)
    end,
  })
  api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      stop(bufnr)
    end,
  })
  api.nvim_create_autocmd({ "BufUnload", "BufWipeout" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      forget(bufnr)
    end,
  })
  map(bufnr, opts.accept, "accept", "multi-model: accept the inline completion")
  map(bufnr, opts.dismiss, "dismiss", "multi-model: dismiss the inline completion")
end

M.namespace = namespace

return M
