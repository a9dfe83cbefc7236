-- Jobs the server reports through `$/progress` (begin, reports, end per job token): shown as
-- they go, counted for the statusline. The client's `$/progress` handler feeds them in on
-- every version, after Neovim's own handler has recorded them for `vim.lsp.status()`,
-- fidget.nvim and the `LspProgress` autocmd.

local ui = require("multi_model.ui")

local M = {}

local running = {}
local notify_progress = true

local function key(client_id, token)
  return tostring(client_id) .. ":" .. tostring(token)
end

function M.configure(opts)
  notify_progress = opts.notify_progress
end

-- A warning or error the server sent while jobs of `client_id` ran: their end line says it,
-- so a failed job does not end on a bare "oracle failed" that replaced the reason.
function M.problem(client_id, level, text)
  local prefix = tostring(client_id) .. ":"
  for id, job in pairs(running) do
    if id:sub(1, #prefix) == prefix and (not job.problem or job.problem.level <= level) then
      job.problem = { level = level, text = text }
    end
  end
end

function M.update(client_id, token, value)
  if type(value) ~= "table" then
    return
  end
  local id = key(client_id, token)
  if value.kind == "begin" then
    local title = value.title or "job"
    running[id] = { title = title }
    local detail = value.message or ""
    ui.record(vim.log.levels.INFO, title .. (detail ~= "" and (" (" .. detail .. ")") or ""))
    if notify_progress then
      ui.progress(id, title, detail, vim.log.levels.INFO, false)
    end
  elseif value.kind == "report" and running[id] and value.message then
    -- Reports stream with the model's tokens: shown, not logged.
    if notify_progress then
      ui.progress(id, running[id].title, value.message, vim.log.levels.INFO, false)
    end
  elseif value.kind == "end" then
    local job = running[id] or { title = "job" }
    running[id] = nil
    local text = value.message or "done"
    ui.record(vim.log.levels.INFO, job.title .. ": " .. text)
    local level = vim.log.levels.INFO
    if job.problem then
      -- "oracle failed" and "oracle failed — 3 attempts …": said once.
      local problem = job.problem.text
      text = problem:sub(1, #text) == text and problem or (text .. " — " .. problem)
      level = job.problem.level
    end
    if notify_progress or job.problem then
      ui.progress(id, job.title, text, level, true)
    end
  end
end

function M.count()
  local n = 0
  for _ in pairs(running) do
    n = n + 1
  end
  return n
end

-- For a statusline: empty when nothing runs.
function M.status()
  local n = M.count()
  if n == 0 then
    return ""
  end
  return string.format("multi-model: %d job%s", n, n == 1 and "" or "s")
end

return M
