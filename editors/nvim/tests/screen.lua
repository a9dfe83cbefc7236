-- A screen for the Neovim under test: runs it embedded (`nvim --embed`) with a UI of
-- MULTI_MODEL_COLUMNS x 24 attached, so that its messages behave as on a terminal, and
-- counts every time it stops for "Press ENTER" (mode `r`, or `rm` for "-- More --"),
-- pressing Enter as a user would. Headless Neovim without a UI never prompts, so without
-- this screen the prompts the tests look for could not happen.
--
-- Writes `{prompts, exit}` as JSON to MULTI_MODEL_SCREEN; the embedded Neovim runs e2e.lua
-- and writes its own observations.

local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local columns = tonumber(os.getenv("MULTI_MODEL_COLUMNS") or "80")

-- Longer than e2e.lua's waits, which end the run themselves.
local RUN_MS = 80000

local exit_code = nil
local child = vim.fn.jobstart({
  "nvim",
  "--embed",
  "--clean",
  "-u",
  here .. "/minimal_init.lua",
  "-c",
  "luafile " .. here .. "/e2e.lua",
}, {
  rpc = true,
  on_exit = function(_, code)
    exit_code = code
  end,
})

local prompts = {}
local ok, failure = pcall(function()
  -- The embedded Neovim reads its startup files only once a UI is attached.
  vim.fn.rpcrequest(child, "nvim_ui_attach", columns, 24, { ext_linegrid = true })
  local deadline = vim.loop.now() + RUN_MS
  while exit_code == nil and vim.loop.now() < deadline do
    -- `nvim_get_mode` is answered even while the prompt waits; other requests are not.
    local got, mode = pcall(vim.fn.rpcrequest, child, "nvim_get_mode")
    if got and mode.blocking and (mode.mode == "r" or mode.mode == "rm") then
      table.insert(prompts, { mode = mode.mode, at_ms = vim.loop.now() })
      vim.fn.rpcnotify(child, "nvim_input", "<CR>")
      -- The same prompt until the Enter is read: not counted twice.
      vim.wait(500, function()
        local still, now = pcall(vim.fn.rpcrequest, child, "nvim_get_mode")
        return not still or now.mode ~= mode.mode
      end, 5)
    end
    vim.wait(10, function()
      return exit_code ~= nil
    end, 5)
  end
end)
if exit_code == nil then
  vim.fn.jobstop(child)
  vim.fn.jobwait({ child }, 2000)
end

local out = assert(io.open(os.getenv("MULTI_MODEL_SCREEN"), "w"))
out:write(vim.fn.json_encode({
  prompts = prompts,
  exit = exit_code,
  columns = columns,
  failure = (not ok) and failure or vim.NIL,
}))
out:close()
vim.cmd("qall!")
