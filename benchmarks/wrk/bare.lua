-- POST /bench/bare/: the one-INSERT baseline.
dofile(os.getenv("WRK_DIR") .. "/report.lua")
wrk.method = "POST"
