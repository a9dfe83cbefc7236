-- The `Target` a role command works on: `{uri, range, version, task?}`, its positions in the
-- encoding the client negotiated.

local M = {}

local function line_text(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
end

local function position(bufnr, encoding, row, col)
  return { line = row, character = vim.lsp.util.character_offset(bufnr, row, col, encoding) }
end

-- Visual marks point at the first byte of the last character; LSP ends are exclusive.
local function after_char(bufnr, row, col)
  local text = line_text(bufnr, row)
  local char = text:sub(col + 1):match("^[%z\1-\127\194-\244][\128-\191]*") or ""
  return math.min(col + #char, #text)
end

-- `range` is what a range-aware user command gets: `range` (0 when none was given),
-- `line1`, `line2` (1-based); or `{ fixed = <LSP range> }`.
function M.range(bufnr, encoding, action, range)
  -- Already resolved (before a prompt moved the cursor or the marks).
  if range.fixed then
    return range.fixed
  end
  if range.range > 0 then
    local first = vim.api.nvim_buf_get_mark(bufnr, "<")
    local last = vim.api.nvim_buf_get_mark(bufnr, ">")
    local charwise = vim.fn.visualmode() == "v" and first[1] == range.line1 and last[1] == range.line2
    if charwise then
      return {
        start = position(bufnr, encoding, first[1] - 1, first[2]),
        ["end"] = position(bufnr, encoding, last[1] - 1, after_char(bufnr, last[1] - 1, last[2])),
      }
    end
    return {
      start = position(bufnr, encoding, range.line1 - 1, 0),
      ["end"] = position(bufnr, encoding, range.line2 - 1, #line_text(bufnr, range.line2 - 1)),
    }
  end
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row = cursor[1] - 1
  -- Hephaestus writes at the cursor; the other roles read the line it is on. On a blank
  -- line Hephaestus takes the line's whitespace too, so the code starts at its indentation
  -- (normal mode cannot put the cursor after the last blank).
  local text = line_text(bufnr, row)
  if action == "implement" and text:match("%S") then
    local at = position(bufnr, encoding, row, cursor[2])
    return { start = at, ["end"] = at }
  end
  return { start = position(bufnr, encoding, row, 0), ["end"] = position(bufnr, encoding, row, #text) }
end

-- The version the server last heard of (0.11 replaced the table with `changedtick`).
function M.version(bufnr)
  local versions = vim.lsp.util.buf_versions
  return (versions and versions[bufnr]) or vim.api.nvim_buf_get_changedtick(bufnr)
end

function M.build(bufnr, encoding, action, range)
  return {
    uri = vim.uri_from_bufnr(bufnr),
    range = M.range(bufnr, encoding, action, range),
    version = M.version(bufnr),
  }
end

return M
