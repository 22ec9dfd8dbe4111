-- Headless Neovim as a real LSP client of `tendon lsp` (run by tests/neovim.rs).
--
-- Written for Neovim 0.7 (Debian bookworm's package): `vim.lsp.start_client`
-- and `vim.lsp.buf_attach_client`, no `vim.lsp.start` (0.8+).
--
-- Environment: TENDON_BIN (the binary), TENDON_ROOT (the workspace, a copy
-- of fixtures/AKS011/fail), TENDON_OUT (where to write the report).
-- Opens cluster-b.json, reports the diagnostics Neovim holds (both files'),
-- edits cluster-a.json to its own subnet, reports again, stops the server
-- and reports its exit code. Every wait is bounded; any failure exits
-- Neovim with code 1 and the reason on stderr.

local bin = assert(os.getenv("TENDON_BIN"), "TENDON_BIN")
local root = assert(os.getenv("TENDON_ROOT"), "TENDON_ROOT")
local out_path = assert(os.getenv("TENDON_OUT"), "TENDON_OUT")

-- A publishDiagnostics burst (one per file) has ended when none arrives
-- for this long.
local QUIET_MS = 400
local TIMEOUT_MS = 30000

local lines = {}
local publishes = 0
local last_publish = 0
local exit_code = nil

local function fail(message)
  io.stderr:write("neovim test: " .. message .. "\n")
  vim.cmd("cquit 1")
end

local function now()
  return vim.loop.now()
end

-- Waits until `done()`, failing at once if the server exits.
local function wait(what, done)
  local ok = vim.wait(TIMEOUT_MS, function()
    return exit_code ~= nil or done()
  end, 20)
  if exit_code ~= nil then
    error("the server exited with code " .. exit_code .. " while waiting " .. what)
  elseif not ok then
    error("timed out after " .. TIMEOUT_MS .. " ms waiting " .. what)
  end
end

-- Waits until `ready()` holds after more than `since` publishes, and the
-- burst has ended. (The server does not send document versions, and the
-- startup run and the one for `didOpen` publish alike: the content tells
-- which run arrived.)
local function settle(since, what, ready)
  wait("for diagnostics " .. what, function()
    return publishes > since and ready() and now() - last_publish >= QUIET_MS
  end)
end

local function has(bufnr, code)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code then
      return true
    end
  end
  return false
end

-- A path relative to the fixture folder.
local function under_root(name)
  local prefix = root .. "/"
  if name:sub(1, #prefix) == prefix then
    return name:sub(#prefix + 1)
  end
  return name
end

local function relative(bufnr)
  return under_root(vim.api.nvim_buf_get_name(bufnr))
end

local function from_uri(uri)
  return under_root(vim.uri_to_fname(uri))
end

local function first_line(text)
  return (text or ""):match("[^\n]*")
end

-- The diagnostics Neovim holds, all buffers, in a stable order.
local function report(title)
  table.insert(lines, "# " .. title)
  local all = {}
  for _, d in ipairs(vim.diagnostic.get()) do
    table.insert(all, { file = relative(d.bufnr), d = d })
  end
  table.sort(all, function(x, y)
    if x.file ~= y.file then return x.file < y.file end
    if x.d.lnum ~= y.d.lnum then return x.d.lnum < y.d.lnum end
    if x.d.col ~= y.d.col then return x.d.col < y.d.col end
    return tostring(x.d.code) < tostring(y.d.code)
  end)
  for _, e in ipairs(all) do
    local d = e.d
    table.insert(lines, string.format("%s:%d:%d %s %s [%s] %s", e.file, d.lnum + 1, d.col + 1,
      tostring(d.code), vim.diagnostic.severity[d.severity], tostring(d.source), first_line(d.message)))
    local lsp = d.user_data and d.user_data.lsp or {}
    for _, r in ipairs(lsp.relatedInformation or {}) do
      local s = r.location.range.start
      table.insert(lines, string.format("  related %s:%d:%d %s", from_uri(r.location.uri),
        s.line + 1, s.character + 1, first_line(r.message)))
    end
  end
end

local function open(file, client_id)
  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/" .. file))
  local bufnr = vim.api.nvim_get_current_buf()
  if not vim.lsp.buf_attach_client(bufnr, client_id) then
    error("could not attach to " .. file)
  end
  return bufnr
end

local function main()
  local default = vim.lsp.handlers["textDocument/publishDiagnostics"]
  local client_id = vim.lsp.start_client({
    name = "tendon",
    cmd = { bin, "lsp" },
    root_dir = root,
    handlers = {
      ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
        default(err, result, ctx, config)
        publishes = publishes + 1
        last_publish = now()
      end,
    },
    on_exit = function(code)
      exit_code = code
    end,
  })
  if not client_id then
    error("vim.lsp.start_client failed")
  end

  local b = open("cluster-b.json", client_id)
  wait("for the server to initialize", function()
    local c = vim.lsp.get_client_by_id(client_id)
    return c ~= nil and c.initialized
  end)
  settle(0, "(AKS011) after opening cluster-b.json", function()
    return has(b, "AKS011")
  end)
  report("opened cluster-b.json")

  -- Give cluster A its own subnet: the shared-subnet finding in the other
  -- file goes away, from the unsaved buffer.
  local a = open("cluster-a.json", client_id)
  settle(publishes, "after opening cluster-a.json", function()
    return true
  end)
  local count = publishes
  local text = vim.api.nvim_buf_get_lines(a, 0, -1, true)
  local edited = 0
  for i, l in ipairs(text) do
    local n
    text[i], n = l:gsub("parameters%('vnetName'%), 'aks'%)", "parameters('vnetName'), 'aks-a')")
    edited = edited + n
  end
  if edited ~= 1 then
    error("expected one subnet reference to edit in cluster-a.json, found " .. edited)
  end
  vim.api.nvim_buf_set_lines(a, 0, -1, true, text)
  settle(count, "(AKS011 gone) after editing cluster-a.json", function()
    return not has(b, "AKS011")
  end)
  report("edited cluster-a.json (own subnet, unsaved)")

  vim.lsp.stop_client(client_id)
  if not vim.wait(TIMEOUT_MS, function() return exit_code ~= nil end, 20) then
    error("the server did not exit within " .. TIMEOUT_MS .. " ms of shutdown")
  end
  table.insert(lines, "# stopped: exit code " .. tostring(exit_code))

  local f = assert(io.open(out_path, "w"))
  f:write(table.concat(lines, "\n") .. "\n")
  f:close()
end

local ok, err = xpcall(main, debug.traceback)
if ok then
  vim.cmd("qall!")
else
  fail(tostring(err))
end
