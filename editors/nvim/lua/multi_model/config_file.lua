-- The server's YAML configuration as an editor buffer: its errors are diagnostics the
-- server publishes for the file's URI although no client is attached to YAML buffers.
--
-- Neovim stores diagnostics for a file that is not loaded, but 0.7 draws them only when
-- they are set, so a configuration opened after the server found it broken would show
-- nothing: they are drawn when the buffer is read. Neovim before 0.10 does not watch files
-- for the server, so saving the file tells the server to read it again, and the error
-- disappears (or moves) at once instead of at the next job.

local client = require("multi_model.client")
local config = require("multi_model.config")

local M = {}

-- The names discovery looks for (`config/multi_model.yaml` in the workspace,
-- `multi-model/config.yaml` in the XDG directory).
local PATTERNS = { "*/config/multi_model.yaml", "*/multi-model/config.yaml" }

local function patterns(opts)
  local list = vim.deepcopy(PATTERNS)
  if opts.config_path then
    table.insert(list, vim.fn.fnamemodify(vim.fn.expand(opts.config_path), ":p"))
  end
  return list
end

local function namespaces()
  local list = {}
  for _, running in ipairs(client.all()) do
    table.insert(list, vim.lsp.diagnostic.get_namespace(running.id))
  end
  return list
end

-- Draws what is already known for `bufnr` (a no-op where Neovim did it already).
function M.show(bufnr)
  for _, namespace in ipairs(namespaces()) do
    if #vim.diagnostic.get(bufnr, { namespace = namespace }) > 0 then
      vim.diagnostic.show(namespace, bufnr)
    end
  end
end

function M.watch(group, opts)
  local files = patterns(opts)
  vim.api.nvim_create_autocmd("BufReadPost", {
    group = group,
    pattern = files,
    callback = function(event)
      M.show(event.buf)
    end,
  })
  vim.api.nvim_create_autocmd("BufWritePost", {
    group = group,
    pattern = files,
    callback = function()
      for _, running in ipairs(client.all()) do
        client.notify(running, "workspace/didChangeConfiguration", { settings = config.settings(opts) })
      end
    end,
  })
end

return M
