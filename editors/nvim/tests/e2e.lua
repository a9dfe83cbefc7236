-- Drives one scenario in Neovim and writes what the editor then shows (code action titles,
-- diagnostics, buffer lines, echoed lines, notifications, the plugin's log, `:messages`) as
-- JSON to MULTI_MODEL_RESULT; tests/lsp/editor_nvim.rs judges it. It runs in the Neovim
-- that `screen.lua` embeds with an 80-column UI attached, so that messages behave as on a
-- screen ("Press ENTER" included). The scenario runs as a coroutine that yields while it
-- waits, so the editor sits in Normal mode between steps as it does for a user. Every wait
-- is bounded; a failure exits with code 1.
--
-- MULTI_MODEL_SCENARIO: code_actions | review | implement | plan | unconfigured |
--   review_fails | plan_with_instruction | implement_asks | log | config_error | config_fixed |
--   inline_accept | inline_typing | inline_off
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
  observed.user_tab = vim.g.user_tab
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

-- Inline completion ------------------------------------------------------------------------

local inline = require("multi_model.inline")

local function keys(typed, remap)
  local codes = vim.api.nvim_replace_termcodes(typed, true, false, true)
  vim.api.nvim_feedkeys(codes, remap and "mt" or "nt", false)
end

-- The ghost text drawn in `bufnr`: each extmark of the plugin's namespace, its first line
-- (virtual text, where and in which highlight) and its virtual lines.
local function ghost(bufnr)
  local list = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, inline.namespace, 0, -1, { details = true })) do
    local details = mark[4]
    local text, groups = {}, {}
    for _, chunk in ipairs(details.virt_text or {}) do
      table.insert(text, chunk[1])
      table.insert(groups, chunk[2])
    end
    local lines = {}
    for _, line in ipairs(details.virt_lines or {}) do
      local chunks = {}
      for _, chunk in ipairs(line) do
        table.insert(chunks, chunk[1])
        table.insert(groups, chunk[2])
      end
      table.insert(lines, table.concat(chunks))
    end
    table.insert(list, {
      row = mark[2],
      col = mark[3],
      text = table.concat(text),
      position = details.virt_text_pos or vim.NIL,
      lines = lines,
      groups = groups,
    })
  end
  return list
end

-- What the screen shows on the cursor's line and the two below it.
local function screen_rows()
  vim.cmd("redraw")
  local first = vim.fn.screenrow()
  local rows = {}
  for row = first, math.min(first + 2, vim.o.lines) do
    local cells = {}
    for col = 1, vim.o.columns do
      table.insert(cells, vim.fn.screenstring(row, col))
    end
    table.insert(rows, (table.concat(cells):gsub("%s+$", "")))
  end
  return rows
end

local function mode()
  return vim.api.nvim_get_mode().mode
end

-- The server's capability as this client received it.
local function offered(bufnr)
  local caps = plugin_client.for_buffer(bufnr).server_capabilities or {}
  return caps.inlineCompletionProvider or vim.NIL
end

local function metrics_text()
  local file = io.open(vim.fn.getcwd() .. "/.agent/multi_model_metrics.json")
  if not file then
    return ""
  end
  local text = file:read("*a")
  file:close()
  return text
end

-- Each TextChangedI as it happens, after the plugin's own handler (defined before it): the
-- line and how many ghost texts were still drawn.
local function watch_typing(bufnr)
  observed.typed = {}
  vim.api.nvim_create_autocmd("TextChangedI", {
    buffer = bufnr,
    callback = function()
      table.insert(observed.typed, { line = vim.api.nvim_get_current_line(), ghosts = #ghost(bufnr) })
    end,
  })
end

-- Types "a" at the end of the empty body (line 5) and waits for the ghost text.
local function type_in_the_body(bufnr)
  vim.api.nvim_win_set_cursor(0, { 5, 0 })
  keys("Aa")
  wait_for("the ghost text", function()
    return #ghost(bufnr) > 0
  end)
end

function scenarios.inline_accept(bufnr)
  observed.offered = offered(bufnr)
  type_in_the_body(bufnr)
  observed.ghost = ghost(bufnr)
  observed.screen_rows = screen_rows()
  observed.mode_shown = mode()
  local before = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  keys("<Tab>", true)
  wait_for("the suggestion in the buffer", function()
    return not vim.deep_equal(before, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  end)
  observed.lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  observed.cursor = vim.api.nvim_win_get_cursor(0)
  observed.mode_accepted = mode()
  wait_for("the acceptance in the metrics file", function()
    return metrics_text():find("completion_accepted", 1, true) ~= nil
  end)
  observed.metrics = metrics_text()
  keys("<Esc>")
  wait_for("Normal mode", function()
    return mode() == "n"
  end)
end

function scenarios.inline_typing(bufnr)
  watch_typing(bufnr)
  type_in_the_body(bufnr)
  observed.ghost = ghost(bufnr)
  -- Typed as the suggestion goes on: it goes at once, and the rest comes back.
  keys("r")
  wait_for("the line typed", function()
    return vim.api.nvim_get_current_line() == "    ar"
  end)
  wait_for("the rest of the suggestion", function()
    local shown = ghost(bufnr)
    return #shown > 0 and shown[1].col == 6
  end)
  observed.ghost_after_typing = ghost(bufnr)
  keys("<C-]>", true)
  wait_for("the ghost text to go", function()
    return #ghost(bufnr) == 0
  end)
  observed.mode_dismissed = mode()
  observed.line_dismissed = vim.api.nvim_get_current_line()
  -- Nothing shown: the accept key types itself.
  keys("<Tab>", true)
  wait_for("the key to type itself", function()
    return vim.api.nvim_get_current_line() ~= "    ar"
  end)
  observed.line_tab = vim.api.nvim_get_current_line()
  keys("<Esc>")
  wait_for("Normal mode", function()
    return mode() == "n"
  end)
  observed.ghost_normal = ghost(bufnr)
end

-- Turned off in setup(): nothing is asked for, nothing drawn, and the key is not mapped.
function scenarios.inline_off(bufnr)
  observed.offered = offered(bufnr)
  observed.mapped = vim.fn.maparg("<Tab>", "i")
  vim.api.nvim_win_set_cursor(0, { 5, 0 })
  keys("Aa")
  wait_for("the line typed", function()
    return vim.api.nvim_get_current_line() == "    a"
  end)
  -- Long past both debounces: the client's (50 ms) and the server's (150 ms).
  local waited = false
  vim.defer_fn(function()
    waited = true
  end, 1000)
  wait_for("a second", function()
    return waited
  end)
  observed.ghost = ghost(bufnr)
  keys("<Tab>", true)
  wait_for("the key to type itself", function()
    return vim.api.nvim_get_current_line() ~= "    a"
  end)
  observed.line_tab = vim.api.nvim_get_current_line()
  keys("<Esc>")
  wait_for("Normal mode", function()
    return mode() == "n"
  end)
end

local scenario = os.getenv("MULTI_MODEL_SCENARIO")

-- A mapping of the accept key made before the plugin's, as a completion plugin or Neovim
-- 0.11's snippet `<Tab>` makes one: the key does what it did when nothing is shown.
if scenario == "inline_accept" or scenario == "inline_typing" then
  vim.g.user_tab = 0
  vim.cmd([[
    function! UserTab() abort
      let g:user_tab += 1
      return "\<Tab>"
    endfunction
    inoremap <expr> <Tab> UserTab()
  ]])
end

scenario_thread = coroutine.create(function()
  local run = scenarios[scenario] or error("unknown scenario " .. tostring(scenario), 0)
  run(open(os.getenv("MULTI_MODEL_FILE")))
end)
resume()
