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
    vim.api.nvim_create_user_command(name, function(args)
      plugin.run(action, { range = args.range, line1 = args.line1, line2 = args.line2 })
    end, { range = true, desc = "multi-model: " .. action .. " on the selection or current line" })
  end
  vim.api.nvim_create_user_command("MultiModelCancel", function()
    plugin.cancel()
  end, { desc = "multi-model: cancel every running job" })
end

-- <prefix>p/i/r/e run a role on the cursor line (normal) or the selection (visual);
-- <prefix>c cancels.
function M.keymaps(prefix)
  for action, key in pairs(KEYS) do
    vim.keymap.set("n", prefix .. key, "<cmd>" .. NAMES[action] .. "<cr>", { desc = "multi-model " .. action })
    vim.keymap.set("x", prefix .. key, ":" .. NAMES[action] .. "<cr>", { desc = "multi-model " .. action })
  end
  vim.keymap.set("n", prefix .. "c", "<cmd>MultiModelCancel<cr>", { desc = "multi-model cancel" })
end

return M
