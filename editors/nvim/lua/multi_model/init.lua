-- multi-model in Neovim: the language server for the configured filetypes, and commands
-- that run its four roles on a range.
--
--   require("multi_model").setup({ config_path = "~/multi_model.yaml", keymap_prefix = "<leader>m" })

local client = require("multi_model.client")
local commands = require("multi_model.commands")
local config = require("multi_model.config")
local progress = require("multi_model.progress")
local target = require("multi_model.target")

local M = {}

M.ACTIONS = {
  plan = "multi-model.plan",
  implement = "multi-model.implement",
  review = "multi-model.review",
  examples = "multi-model.examples",
}

local options

local function attach_loaded_buffers()
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(options.filetypes, vim.bo[bufnr].filetype) then
      client.attach(bufnr, options)
    end
  end
end

-- Calling it again applies new options: running servers get them as a configuration change.
function M.setup(opts)
  options = config.merge(opts)
  progress.configure(options)
  local group = vim.api.nvim_create_augroup("multi_model", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = options.filetypes,
    callback = function(event)
      client.attach(event.buf, options)
    end,
  })
  if vim.fn.has("nvim-0.10") == 1 then
    progress.listen(client.is_ours)
  end
  commands.create(M)
  if options.keymap_prefix then
    commands.keymaps(options.keymap_prefix)
  end
  for _, running in ipairs(client.all()) do
    client.notify(running, "workspace/didChangeConfiguration", { settings = config.settings(options) })
  end
  attach_loaded_buffers()
end

-- The client configuration, for `vim.lsp.config` on 0.11+ instead of `setup()`.
function M.lsp_config(opts)
  local merged = config.merge(opts)
  local result = client.client_config(merged, nil)
  result.root_dir = nil
  result.root_markers = merged.root_markers
  result.filetypes = merged.filetypes
  return result
end

-- Runs a role (`plan`, `implement`, `review`, `examples`) on the current buffer; `range` as
-- a range-aware user command receives it (`{ range = 0 }` for the cursor).
function M.run(action, range)
  local bufnr = vim.api.nvim_get_current_buf()
  local attached = client.for_buffer(bufnr)
  if not attached then
    vim.notify(
      "multi-model: no server on this buffer (filetype '" .. vim.bo[bufnr].filetype .. "'); see `filetypes` in setup()",
      vim.log.levels.WARN
    )
    return
  end
  local argument = target.build(bufnr, attached.offset_encoding or "utf-16", action, range or { range = 0 })
  local params = { command = M.ACTIONS[action], arguments = { argument } }
  client.request(attached, "workspace/executeCommand", params, function(err)
    if err then
      vim.notify("multi-model: " .. (err.message or tostring(err)), vim.log.levels.ERROR)
    end
  end, bufnr)
end

function M.cancel()
  for _, running in ipairs(client.all()) do
    client.request(running, "workspace/executeCommand", { command = "multi-model.cancelAll", arguments = {} }, function(err, result)
      if err then
        vim.notify("multi-model: " .. (err.message or tostring(err)), vim.log.levels.ERROR)
      else
        vim.notify("multi-model: cancelled " .. tostring(result and result.cancelled or 0) .. " job(s)")
      end
    end)
  end
end

-- Running jobs, for a statusline: "multi-model: 2 jobs", or "" when idle.
function M.status()
  return progress.status()
end

return M
