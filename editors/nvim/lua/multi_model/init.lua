-- multi-model in Neovim: the language server for the configured filetypes, and commands
-- that run its four roles on a range.
--
--   require("multi_model").setup({ config_path = "~/multi_model.yaml", keymap_prefix = "<leader>m" })

local client = require("multi_model.client")
local config_file = require("multi_model.config_file")
local commands = require("multi_model.commands")
local config = require("multi_model.config")
local inline = require("multi_model.inline")
local progress = require("multi_model.progress")
local target = require("multi_model.target")
local ui = require("multi_model.ui")

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
  inline.configure(options.inline_completion)
  local group = vim.api.nvim_create_augroup("multi_model", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = options.filetypes,
    callback = function(event)
      client.attach(event.buf, options)
    end,
  })
  config_file.watch(group, options)
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

-- The roles that are asked for an instruction when none is given: a plan or code follows
-- words best; a review or a search has its own question.
local ASKS = { plan = true, implement = true }

local PROMPTS = {
  plan = "Plan (instruction, empty for none): ",
  implement = "Implement (instruction, empty for none): ",
}

local function send(bufnr, attached, action, range, instruction)
  local argument = target.build(bufnr, attached.offset_encoding or "utf-16", action, range or { range = 0 })
  if instruction and instruction:match("%S") then
    argument.task = instruction
  end
  local params = { command = M.ACTIONS[action], arguments = { argument } }
  client.request(attached, "workspace/executeCommand", params, function(err)
    if err then
      ui.message(vim.log.levels.ERROR, err.message or tostring(err))
    end
  end, bufnr)
end

-- Runs a role (`plan`, `implement`, `review`, `examples`) on the current buffer; `range` as
-- a range-aware user command receives it (`{ range = 0 }` for the cursor). `instruction` is
-- the user's own words for the task (the server's `Target.task`); without it, Plan and
-- Implement ask (`ask_for_instruction`), and an empty answer sends none, which lets an
-- instruction comment above the code (`# TODO: …`) steer the role.
function M.run(action, range, instruction)
  local bufnr = vim.api.nvim_get_current_buf()
  local attached = client.for_buffer(bufnr)
  if not attached then
    ui.message(
      vim.log.levels.WARN,
      "no server on this buffer (filetype '" .. vim.bo[bufnr].filetype .. "'); see `filetypes` in setup()"
    )
    return
  end
  local asks = options and options.ask_for_instruction and ASKS[action]
  if (instruction and instruction ~= "") or not asks then
    send(bufnr, attached, action, range, instruction)
    return
  end
  -- The range is read now: the prompt must not change what the role works on.
  local argument_range = range or { range = 0 }
  local fixed = target.range(bufnr, attached.offset_encoding or "utf-16", action, argument_range)
  vim.ui.input({ prompt = PROMPTS[action] }, function(answer)
    vim.schedule(function()
      if vim.api.nvim_buf_is_valid(bufnr) then
        send(bufnr, attached, action, { fixed = fixed }, answer)
      end
    end)
  end)
end

function M.cancel()
  for _, running in ipairs(client.all()) do
    client.request(running, "workspace/executeCommand", { command = "multi-model.cancelAll", arguments = {} }, function(err, result)
      if err then
        ui.message(vim.log.levels.ERROR, err.message or tostring(err))
      else
        ui.message(vim.log.levels.INFO, "cancelled " .. tostring(result and result.cancelled or 0) .. " job(s)")
      end
    end)
  end
end

-- `:MultiModelLog`: the server's log lines and every message in full.
function M.log()
  return ui.open_log()
end

-- Inline completion, for mappings of your own (`inline_completion.accept = false`):
-- `accept()` inserts the suggestion shown and `dismiss()` hides it, each returning whether
-- there was one; `inline_visible()` says whether one is shown.
function M.accept()
  return inline.accept()
end

function M.dismiss()
  return inline.dismiss()
end

function M.inline_visible()
  return inline.visible()
end

-- Running jobs, for a statusline: "multi-model: 2 jobs", or "" when idle.
function M.status()
  return progress.status()
end

return M
