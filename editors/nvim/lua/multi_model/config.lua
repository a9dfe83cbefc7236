-- Options: defaults, merging, and what the server is sent at start and on change.

local M = {}

M.ROLES = { "sisyphus", "hephaestus", "oracle", "librarian" }

M.defaults = {
  -- The server executable; "multi-model" is looked up on PATH.
  cmd = { "multi-model", "serve" },
  filetypes = { "python", "rust", "typescript", "typescriptreact", "javascript", "javascriptreact", "go" },
  -- A `--config` file for the server; nil lets it discover one.
  config_path = nil,
  -- Per-role model ids, e.g. { oracle = "claude-sonnet-5" }.
  models = {},
  -- MULTI_MODEL_LOG for the server process: error | warn | info | debug.
  log_level = nil,
  -- Files or directories that mark a workspace root, searched upwards from the buffer.
  root_markers = { ".git", "config/multi_model.yaml", "pyproject.toml", "Cargo.toml", "package.json", "go.mod" },
  -- Suggested keymaps under this prefix (e.g. "<leader>m"); nil maps nothing.
  keymap_prefix = nil,
  -- Progress on the command line (or in nvim-notify): false leaves it to the statusline
  -- (`status()`) and fidget.nvim; failures are shown either way.
  notify_progress = true,
  -- :MultiModelPlan and :MultiModelImplement without words ask for an instruction
  -- (`vim.ui.input`; an empty answer sends none); false never asks.
  ask_for_instruction = true,
  -- Ghost text from Hephaestus while you type (`textDocument/inlineCompletion`); `false`
  -- turns it off, as `{ enabled = false }` does. On Neovim 0.12+ it is Neovim's own
  -- `vim.lsp.inline_completion`, before that the plugin's (see inline.lua).
  inline_completion = {
    enabled = true,
    -- Insert mode: accepts the suggestion shown, else types itself; false maps nothing
    -- (map `require("multi_model").accept()` yourself).
    accept = "<Tab>",
    -- Insert mode: hides the suggestion shown, else types itself; false maps nothing.
    -- Neovim 0.12+ has no way to dismiss its own: not mapped there.
    dismiss = "<C-]>",
    -- Before 0.12: a pause in typing this long sends the request (the server waits for its
    -- own `completion.debounce_ms` as well).
    debounce_ms = 50,
  },
  on_attach = nil,
}

-- `inline_completion = true | false` is short for `{ enabled = … }`.
local function inline_options(value)
  local defaults = vim.deepcopy(M.defaults.inline_completion)
  if type(value) == "boolean" then
    defaults.enabled = value
    return defaults
  end
  if type(value) ~= "table" then
    return defaults
  end
  return vim.tbl_extend("force", defaults, value)
end

function M.merge(opts)
  local merged = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  -- Lists are replaced whole, not merged by index.
  for _, key in ipairs({ "cmd", "filetypes", "root_markers" }) do
    if opts and opts[key] then
      merged[key] = opts[key]
    end
  end
  merged.inline_completion = inline_options(opts and opts.inline_completion)
  return merged
end

local function models_of(opts)
  local models = {}
  for _, role in ipairs(M.ROLES) do
    if opts.models[role] then
      models[role] = opts.models[role]
    end
  end
  -- An empty Lua table would be sent as a JSON array.
  if next(models) == nil then
    return vim.empty_dict()
  end
  return models
end

-- `initializationOptions`: the server reads `configPath`; `models` is sent in the same
-- shape the VS Code extension uses.
function M.init_options(opts)
  return { configPath = opts.config_path, models = models_of(opts) }
end

-- `workspace/didChangeConfiguration` settings, under the server's section.
function M.settings(opts)
  return { multiModel = { configPath = opts.config_path, models = models_of(opts) } }
end

function M.cmd_env(opts)
  if opts.log_level then
    return { MULTI_MODEL_LOG = opts.log_level }
  end
  return nil
end

return M
