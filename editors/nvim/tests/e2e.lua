-- Drives one scenario in Neovim and writes what the editor then shows (code action titles,
-- diagnostics, buffer lines, echoed lines, notifications, the plugin's log, `:messages`) as
-- JSON to MULTI_MODEL_RESULT; tests/lsp/editor_nvim.rs judges it. It runs in the Neovim
-- that `screen.lua` embeds with an 80-column UI attached, so that messages behave as on a
-- screen ("Press ENTER" included). The scenario runs as a coroutine that yields while it
-- waits, so the editor sits in Normal mode between steps as it does for a user. Every wait
-- is bounded; a failure exits with code 1.
--
-- MULTI_MODEL_SCENARIO: code_actions | review | implement | plan | unconfigured |
--   review_fails | plan_with_instruction | implement_asks | log | config_error | config_fixed
-- MULTI_MODEL_FILE: the file to open. MULTI_MODEL_CONFIG: the server's configuration.

local plugin_client = require("multi_model.client")

local WAIT_MS = 20000
local observed = { notifications = {}, echoes = {} }

-- Seen and still shown: a replaced `vim.notify` or `nvim_echo` would hide the very prompts
-- the tests look for.
local original_notify = vim.notify
vim.notify = function(message, level, opts)
  table.insert(observed.notifications, { message = message, level = level or vim.log.levels.INFO })
  return original_notify(message, level, opts)
end
local original_echo = vim.api.nvim_echo
vim.api.nvim_echo = function(chunks, history, opts)
  local text = {}
  for _, chunk in ipairs(chunks) do
    table.insert(text, chunk[1])
  end
  table.insert(observed.echoes, { text = table.concat(text), history = history, width = vim.v.echospace })
  return original_echo(chunks, history, opts)
end

-- The user's answer when the plugin asks for an instruction: Enter alone, unless a
-- scenario types one.
local input_answer = ""
vim.ui.input = function(opts, on_confirm)
  observed.asked = opts.prompt
  on_confirm(input_answer)
end

-- The plugin's log; notifications too, so that a plugin without a log can be measured.
local function log_entries()
  local has_ui, ui = pcall(require, "multi_model.ui")
  local entries = has_ui and ui.entries() or {}
  for _, n in ipairs(observed.notifications) do
    table.insert(entries, { text = n.message, level = n.level })
  end
  return entries
end

local scenario_thread

local function finish(ok, failure)
  observed.failure = (not ok) and failure or nil
  observed.version = tostring(vim.version().major) .. "." .. tostring(vim.version().minor)
  observed.columns = vim.o.columns
  observed.messages = vim.api.nvim_exec("messages", true)
  observed.log = {}
  for _, entry in ipairs(log_entries()) do
    table.insert(observed.log, { text = entry.text, level = entry.level })
  end
  local out = assert(io.open(os.getenv("MULTI_MODEL_RESULT"), "w"))
  out:write(vim.fn.json_encode(observed))
  out:close()
  vim.cmd(ok and "qall!" or "cquit 1")
end

local function resume(...)
  local ok, failure = coroutine.resume(scenario_thread, ...)
  if not ok then
    finish(false, debug.traceback(scenario_thread, failure))
  elseif coroutine.status(scenario_thread) == "dead" then
    finish(true)
  end
end

-- Yields to the editor until `condition` holds, polling from timers.
local function wait_for(what, condition)
  local deadline = vim.loop.now() + WAIT_MS
  local function poll()
    local ok, met = pcall(condition)
    if not ok then
      resume(false, met)
    elseif met then
      resume(true)
    elseif vim.loop.now() > deadline then
      resume(false, "timed out after " .. WAIT_MS .. " ms waiting for " .. what)
    else
      vim.defer_fn(poll, 20)
    end
  end
  vim.defer_fn(poll, 0)
  local ok, failure = coroutine.yield()
  if not ok then
    error(failure, 0)
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

-- Whether the plugin's log holds a line containing `text`.
local function logged(text)
  return function()
    for _, entry in ipairs(log_entries()) do
      if entry.text:find(text, 1, true) then
        return true
      end
    end
    return false
  end
end

-- Waits for the end of the job titled `title` and for the screen to settle after it.
local function job_ended(title)
  wait_for(title .. " to end", logged(title .. ": "))
  wait_for("the last line to be echoed", function()
    return require("multi_model.progress").count() == 0
  end)
  -- One more turn of the event loop: the coalesced echo and a redraw run before the end.
  local settled = false
  vim.defer_fn(function()
    settled = true
  end, 100)
  wait_for("a redraw", function()
    return settled
  end)
end

local scenarios = {}

function scenarios.code_actions(bufnr)
  observed.titles = code_action_menu(bufnr, 5, 6, nil)
end

function scenarios.review(bufnr)
  local last = vim.api.nvim_buf_line_count(bufnr)
  code_action_menu(bufnr, 1, last, "Review with Oracle")
  job_ended("Review with Oracle")
  wait_for("diagnostics", function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  observed.diagnostics = diagnostics_of(bufnr)
end

-- The Oracle's model fails (the mock answers 500 to every attempt).
function scenarios.review_fails(_)
  vim.cmd("%MultiModelReview")
  job_ended("Review with Oracle")
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

-- No words after the command: the plugin asks, and the answer is the instruction.
function scenarios.implement_asks(bufnr)
  input_answer = "use math.fsum"
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

-- A visual selection and words after the command, as typed: `:'<,'>MultiModelPlan …`.
function scenarios.plan_with_instruction(bufnr)
  vim.api.nvim_win_set_cursor(0, { 5, 0 })
  vim.api.nvim_feedkeys("Vj:MultiModelPlan make it async\r", "x", false)
  wait_for("the plan to open", function()
    return vim.api.nvim_get_current_buf() ~= bufnr
  end)
  observed.opened = vim.api.nvim_buf_get_name(0)
end

function scenarios.unconfigured(_)
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  vim.cmd("MultiModelImplement")
  job_ended("Implement with Hephaestus")
end

-- A failure, then `:MultiModelLog`: what the log window shows.
function scenarios.log(bufnr)
  scenarios.review_fails(bufnr)
  vim.cmd("MultiModelLog")
  observed.log_window = {
    name = vim.api.nvim_buf_get_name(0),
    lines = vim.api.nvim_buf_get_lines(0, 0, -1, false),
    windows = #vim.api.nvim_tabpage_list_wins(0),
  }
end

-- The configuration is broken: the server says so when it starts; then the file is opened.
function scenarios.config_error(_)
  wait_for("the configuration error", logged("configuration not loaded"))
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("MULTI_MODEL_CONFIG")))
  local config_buf = vim.api.nvim_get_current_buf()
  wait_for("the error on the configuration", function()
    return #vim.diagnostic.get(config_buf) > 0
  end)
  observed.config_diagnostics = diagnostics_of(config_buf)
  -- What is drawn, not only stored: virtual text and signs are extmarks and signs.
  local drawn = {}
  for _, namespace in pairs(vim.api.nvim_get_namespaces()) do
    for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(config_buf, namespace, 0, -1, { details = true })) do
      local chunks = mark[4].virt_text or {}
      for _, chunk in ipairs(chunks) do
        table.insert(drawn, { line = mark[2], text = chunk[1] })
      end
    end
  end
  observed.virtual_text = drawn
  observed.signs = vim.fn.sign_getplaced(config_buf, { group = "*" })[1].signs
  return config_buf
end

-- The broken key corrected and the file written: the error goes without another job.
function scenarios.config_fixed(bufnr)
  local config_buf = scenarios.config_error(bufnr)
  vim.api.nvim_buf_set_lines(config_buf, 1, 2, false, { "  track_metrics: true" })
  vim.cmd("write")
  wait_for("the error to go", function()
    return #vim.diagnostic.get(config_buf) == 0
  end)
  observed.config_diagnostics = diagnostics_of(config_buf)
end

local scenario = os.getenv("MULTI_MODEL_SCENARIO")
scenario_thread = coroutine.create(function()
  local run = scenarios[scenario] or error("unknown scenario " .. tostring(scenario), 0)
  run(open(os.getenv("MULTI_MODEL_FILE")))
end)
resume()
