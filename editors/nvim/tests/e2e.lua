-- Drives one scenario in headless Neovim and writes what the editor then shows (code
-- action titles, diagnostics, buffer lines, notifications) as JSON to MULTI_MODEL_RESULT;
-- tests/lsp/editor_nvim.rs judges it. Every wait is bounded; a failure exits with code 1.
--
-- MULTI_MODEL_SCENARIO: code_actions | review | implement | plan | unconfigured
-- MULTI_MODEL_FILE: the file to open.

local plugin_client = require("multi_model.client")

local WAIT_MS = 20000
local observed = { notifications = {} }

vim.notify = function(message, level)
  table.insert(observed.notifications, { message = message, level = level or vim.log.levels.INFO })
end

local function wait_for(what, condition)
  if not vim.wait(WAIT_MS, condition, 20) then
    error("timed out after " .. WAIT_MS .. " ms waiting for " .. what, 0)
  end
end

local function open(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for("the server to attach", function()
    local client = plugin_client.for_buffer(bufnr)
    return client ~= nil and client.initialized == true
  end)
  return bufnr
end

-- The code action menu on lines `first`..`last` (1-based); `choose` picks an entry by title.
local function code_action_menu(bufnr, first, last, choose)
  local titles
  local original_select = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    titles = {}
    local chosen
    for index, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or item.title
      table.insert(titles, title)
      if title == choose then
        chosen = index
      end
    end
    on_choice(chosen and items[chosen] or nil, chosen)
  end
  local last_column = #vim.api.nvim_buf_get_lines(bufnr, last - 1, last, false)[1]
  if vim.fn.has("nvim-0.8") == 1 then
    vim.lsp.buf.code_action({ range = { start = { first, 0 }, ["end"] = { last, last_column } } })
  else
    vim.lsp.buf.range_code_action(nil, { first, 0 }, { last, last_column })
  end
  wait_for("the code action menu", function()
    return titles ~= nil
  end)
  vim.ui.select = original_select
  return titles
end

local function diagnostics_of(bufnr)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(list, { line = d.lnum, severity = d.severity, source = d.source, message = d.message })
  end
  table.sort(list, function(a, b)
    return a.line < b.line
  end)
  return list
end

local function progress_ended(title)
  return function()
    for _, n in ipairs(observed.notifications) do
      if n.message:find(title .. ": ", 1, true) then
        return true
      end
    end
    return false
  end
end

local scenarios = {}

function scenarios.code_actions(bufnr)
  observed.titles = code_action_menu(bufnr, 5, 6, nil)
end

function scenarios.review(bufnr)
  local last = vim.api.nvim_buf_line_count(bufnr)
  code_action_menu(bufnr, 1, last, "Review with Oracle")
  wait_for("the review to end", progress_ended("Review with Oracle"))
  wait_for("diagnostics", function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  observed.diagnostics = diagnostics_of(bufnr)
end

function scenarios.implement(bufnr)
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  local before = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  vim.cmd("MultiModelImplement")
  wait_for("the code to arrive", function()
    return not vim.deep_equal(before, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  end)
  observed.lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

function scenarios.plan(bufnr)
  vim.cmd("MultiModelPlan")
  wait_for("the plan to open", function()
    return vim.api.nvim_get_current_buf() ~= bufnr
  end)
  observed.opened = vim.api.nvim_buf_get_name(0)
  observed.lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
end

function scenarios.unconfigured(_)
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  vim.cmd("MultiModelImplement")
  wait_for("an error message", function()
    for _, n in ipairs(observed.notifications) do
      if n.level == vim.log.levels.ERROR then
        return true
      end
    end
    return false
  end)
end

local scenario = os.getenv("MULTI_MODEL_SCENARIO")
local ok, failure = xpcall(function()
  local run = scenarios[scenario] or error("unknown scenario " .. tostring(scenario), 0)
  run(open(os.getenv("MULTI_MODEL_FILE")))
end, debug.traceback)
observed.failure = (not ok) and failure or nil
observed.version = tostring(vim.version().major) .. "." .. tostring(vim.version().minor)

local out = assert(io.open(os.getenv("MULTI_MODEL_RESULT"), "w"))
out:write(vim.fn.json_encode(observed))
out:close()
vim.cmd(ok and "qall!" or "cquit 1")
