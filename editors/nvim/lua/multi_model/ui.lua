-- What the user sees of the server: one line at a time on the command line (or in
-- nvim-notify / fidget.nvim when they are installed), and everything in full in a log that
-- `:MultiModelLog` opens.
--
-- One line, because the message area is one line high: a longer message, or two messages
-- before the screen is redrawn, stop the editor with "Press ENTER". So lines are cut to
-- the width left beside the ruler, the latest message of an event-loop turn replaces the
-- others, and progress stays out of `:messages`.

local M = {}

local PREFIX = "multi-model: "

-- Enough for a long session's failures; the oldest lines go first.
local LOG_LIMIT = 5000

local log = {}
local log_bufnr = nil

local LEVEL_NAMES = {
  [vim.log.levels.ERROR] = "ERROR",
  [vim.log.levels.WARN] = "WARN",
  [vim.log.levels.INFO] = "INFO",
  [vim.log.levels.DEBUG] = "DEBUG",
  [vim.log.levels.TRACE] = "TRACE",
}

local HIGHLIGHTS = {
  [vim.log.levels.ERROR] = "ErrorMsg",
  [vim.log.levels.WARN] = "WarningMsg",
}

-- LSP `MessageType` (1 error … 4 log) as `vim.log.levels`.
local FROM_LSP = {
  [1] = vim.log.levels.ERROR,
  [2] = vim.log.levels.WARN,
  [3] = vim.log.levels.INFO,
  [4] = vim.log.levels.DEBUG,
}

function M.level_of(message_type)
  return FROM_LSP[message_type] or vim.log.levels.INFO
end

-- The columns a message may use without scrolling the message area.
function M.width()
  local space = vim.v.echospace
  if type(space) ~= "number" or space <= 0 then
    space = vim.o.columns - 12
  end
  return math.max(space, 10)
end

-- `text`'s first non-empty line, whitespace runs collapsed, cut to `width` display cells
-- with "…" when something was left out; the second value says whether it was.
function M.fit(text, width)
  local first, rest = tostring(text):match("^%s*([^\n]*)\n?(.*)$")
  first = (first or ""):gsub("%s+", " "):gsub("%s$", "")
  local cut = rest:match("%S") ~= nil
  if vim.fn.strdisplaywidth(first) <= width and not cut then
    return first, false
  end
  local chars = vim.fn.strchars(first)
  -- Shrink until it fits with the ellipsis; wide characters take two cells.
  local keep = math.min(chars, width - 1)
  local line = vim.fn.strcharpart(first, 0, keep)
  while keep > 0 and vim.fn.strdisplaywidth(line) > width - 1 do
    keep = keep - 1
    line = vim.fn.strcharpart(first, 0, keep)
  end
  return line .. "…", true
end

-- The log ----------------------------------------------------------------------------------

local function log_lines(entry)
  local lines = {}
  local head = string.format("%s %-5s ", entry.time, LEVEL_NAMES[entry.level] or "INFO")
  local pad = string.rep(" ", #head)
  for index, line in ipairs(vim.split(entry.text, "\n", { plain = true })) do
    table.insert(lines, (index == 1 and head or pad) .. line)
  end
  return lines
end

-- Keeps `text` whole in the log, and shows it in the log window if that is open.
function M.record(level, text)
  local entry = { time = os.date("%H:%M:%S"), level = level, text = tostring(text) }
  table.insert(log, entry)
  if #log > LOG_LIMIT then
    table.remove(log, 1)
  end
  if log_bufnr and vim.api.nvim_buf_is_valid(log_bufnr) then
    -- Scheduled: a handler may run where buffers cannot be changed (textlock).
    vim.schedule(function()
      if log_bufnr and vim.api.nvim_buf_is_valid(log_bufnr) then
        vim.bo[log_bufnr].modifiable = true
        vim.api.nvim_buf_set_lines(log_bufnr, -1, -1, false, log_lines(entry))
        vim.bo[log_bufnr].modifiable = false
      end
    end)
  end
end

function M.entries()
  return vim.deepcopy(log)
end

-- `:MultiModelLog`: the log in a scratch buffer in a split at the bottom, or that window
-- again if it is already open; new lines are appended while it stays open.
function M.open_log()
  if not (log_bufnr and vim.api.nvim_buf_is_valid(log_bufnr)) then
    log_bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(log_bufnr, "multi-model://log")
    vim.bo[log_bufnr].bufhidden = "hide"
    vim.bo[log_bufnr].filetype = "multimodellog"
  end
  local lines = {}
  for _, entry in ipairs(log) do
    vim.list_extend(lines, log_lines(entry))
  end
  if #lines == 0 then
    lines = { "(nothing logged yet: the server's log lines and every message in full appear here)" }
  end
  vim.bo[log_bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(log_bufnr, 0, -1, false, lines)
  vim.bo[log_bufnr].modifiable = false
  local shown = vim.fn.bufwinid(log_bufnr)
  if shown ~= -1 then
    vim.api.nvim_set_current_win(shown)
  else
    vim.cmd("botright split")
    vim.api.nvim_win_set_buf(0, log_bufnr)
  end
  vim.api.nvim_win_set_cursor(0, { vim.api.nvim_buf_line_count(log_bufnr), 0 })
  return log_bufnr
end

-- The command line -------------------------------------------------------------------------

local pending = nil

local function echo_now()
  local message = pending
  pending = nil
  if not message then
    return
  end
  -- A file's directories take the room the message needs; the log has the whole path.
  local short = (" " .. message.text):gsub("(%s)/[^%s:]+/([^/%s:]+)", "%1%2"):sub(2)
  local text = message.titled and short or (PREFIX .. short)
  local line, cut = M.fit(text, M.width())
  if cut and message.level >= vim.log.levels.WARN then
    -- Say where the rest is, in the same single line.
    local hint = " :MultiModelLog"
    line = M.fit(text, M.width() - #hint) .. hint
  end
  -- Not in `:messages`: progress would flood it, and the log holds every line anyway.
  vim.api.nvim_echo({ { line, HIGHLIGHTS[message.level] or "None" } }, false, {})
end

-- The latest message of this turn of the event loop wins, but a warning or error is not
-- replaced by a lesser message in the same turn (a failed job's end follows its error).
-- `titled`: the text starts with a job's title ("Review with Oracle: …"), which says whose
-- it is without the prefix.
local function echo(level, text, titled)
  if pending and pending.level > level then
    return
  end
  local first = pending == nil
  pending = { level = level, text = text, titled = titled }
  if first then
    vim.schedule(echo_now)
  end
end

-- Notification plugins ---------------------------------------------------------------------

local function optional(name)
  local ok, module = pcall(require, name)
  if ok then
    return module
  end
  return nil
end

-- fidget.nvim shows LSP progress by itself, from the same `$/progress` the default handler
-- records; it only needs to be left alone.
function M.fidget()
  return optional("fidget")
end

-- nvim-notify: a window per job, replaced in place as the job goes on.
function M.notify_plugin()
  local notify = optional("notify")
  if type(notify) == "table" or type(notify) == "function" then
    return notify
  end
  return nil
end

local records = {}

-- Progress of job `id`: `done` closes its notification. Returns nothing the caller needs.
function M.progress(id, title, text, level, done)
  level = level or vim.log.levels.INFO
  local notify = M.notify_plugin()
  if notify then
    local opts = { title = "multi-model: " .. title, replace = records[id], hide_from_history = not done }
    if not done then
      opts.timeout = false
    end
    local ok, record = pcall(notify, text, level, opts)
    records[id] = (not done and ok) and record or nil
    return
  end
  if M.fidget() and level < vim.log.levels.WARN then
    return
  end
  echo(level, title .. (text ~= "" and (": " .. text) or ""), true)
end

-- A message from the server or the plugin: whole in the log, one line on screen.
function M.message(level, text)
  M.record(level, text)
  if level < vim.log.levels.INFO then
    return
  end
  local notify = M.notify_plugin()
  if notify then
    pcall(notify, text, level, { title = "multi-model" })
    return
  end
  local fidget = M.fidget()
  if fidget and type(fidget.notify) == "function" then
    local line = M.fit(text, M.width())
    pcall(fidget.notify, line, level)
    return
  end
  echo(level, text)
end

return M
