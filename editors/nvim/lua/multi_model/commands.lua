-- User commands and the suggested keymaps.

local M = {}

local NAMES = {
  plan = "MultiModelPlan",
  implement = "MultiModelImplement",
  review = "MultiModelReview",
  examples = "MultiModelExamples",
}

local KEYS = { plan = "p", implement = "i", review = "r", examples = "e" }

function M.create(plugin)
  for action, name in pairs(NAMES) do
    -- The words after the command are the instruction: `:'<,'>MultiModelPlan make it async`.
    vim.api.nvim_create_user_command(name, function(args)
      plugin.run(action, { range = args.range, line1 = args.line1, line2 = args.line2 }, args.args)
    end, {
      range = true,
      nargs = "*",
      desc = "multi-model: " .. action .. " on the selection or current line [instruction]",
    })
  end
  vim.api.nvim_create_user_command("MultiModelCancel", function()
    plugin.cancel()
  end, { desc = "multi-model: cancel every running job" })
  vim.api.nvim_create_user_command("MultiModelLog", function()
    plugin.log()
  end, { desc = "multi-model: the server's log and every message in full" })
end

-- <prefix>p/i/r/e run a role on the cursor line (normal) or the selection (visual);
-- <prefix>c cancels, <prefix>l opens the log.
function M.keymaps(prefix)
  for action, key in pairs(KEYS) do
    vim.keymap.set("n", prefix .. key, "<cmd>" .. NAMES[action] .. "<cr>", { desc = "multi-model " .. action })
    vim.keymap.set("x", prefix .. key, ":" .. NAMES[action] .. "<cr>", { desc = "multi-model " .. action })
  end
  vim.keymap.set("n", prefix .. "c", "<cmd>MultiModelCancel<cr>", { desc = "multi-model cancel" })
  vim.keymap.set("n", prefix .. "l", "<cmd>MultiModelLog<cr>", { desc = "multi-model log" })
end

return M
