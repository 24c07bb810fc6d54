-- wrk: POST the JSON body in the file named by WRK_BODY to every request; WRK_HEADERS adds headers ("Name: value" lines).
local file = assert(io.open(os.getenv("WRK_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
for name, value in string.gmatch(os.getenv("WRK_HEADERS") or "", "([^:\n]+):%s*([^\n]+)") do
  wrk.headers[name] = value
end
