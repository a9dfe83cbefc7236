-- Jobs the server reports through `$/progress`: shown as they begin and end, counted for
-- the statusline. On 0.10+ they arrive through the `LspProgress` autocmd; older versions
-- have no such event, so the client's `$/progress` handler feeds them in.

local M = {}

local running = {}
local notify_progress = true

local function key(client_id, token)
  return tostring(client_id) .. ":" .. tostring(token)
end

function M.configure(opts)
  notify_progress = opts.notify_progress
end

function M.update(client_id, token, value)
  if type(value) ~= "table" then
    return
  end
  local id = key(client_id, token)
  if value.kind == "begin" then
    running[id] = value.title or "job"
    if notify_progress then
      local detail = value.message and (" (" .. value.message .. ")") or ""
      vim.notify("multi-model: " .. running[id] .. detail, vim.log.levels.INFO)
    end
  elseif value.kind == "report" and running[id] and value.message then
    -- Reports stream with the model's tokens: echoed, kept out of the message history.
    vim.api.nvim_echo({ { "multi-model: " .. running[id] .. ": " .. value.message } }, false, {})
  elseif value.kind == "end" then
    local title = running[id] or "job"
    running[id] = nil
    if notify_progress then
      vim.notify("multi-model: " .. title .. ": " .. (value.message or "done"), vim.log.levels.INFO)
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

function M.listen(is_ours)
  local group = vim.api.nvim_create_augroup("multi_model_progress", { clear = true })
  vim.api.nvim_create_autocmd("LspProgress", {
    group = group,
    callback = function(event)
      local data = event.data
      if data and data.params and is_ours(data.client_id) then
        M.update(data.client_id, data.params.token, data.params.value)
      end
    end,
  })
end

return M
