-- The plugin and nothing else: `nvim --headless --clean -u minimal_init.lua`.
-- MULTI_MODEL_SERVER names the server binary and MULTI_MODEL_CONFIG its configuration;
-- MULTI_MODEL_INLINE=off turns inline completion off.

local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
vim.opt.runtimepath:prepend(vim.fn.fnamemodify(here, ":h"))
vim.opt.swapfile = false

require("multi_model").setup({
  cmd = { os.getenv("MULTI_MODEL_SERVER") or "multi-model", "serve" },
  config_path = os.getenv("MULTI_MODEL_CONFIG"),
  log_level = "debug",
  inline_completion = os.getenv("MULTI_MODEL_INLINE") ~= "off",
})
