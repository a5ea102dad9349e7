// Preloaded into the benchmark's server only (node --import ./bench/loop-probe.mjs dist/main.js),
// never into the app: the event loop's delay, as perf_hooks.monitorEventLoopDelay samples it.
// Each SIGUSR2 writes what was seen since the last one to $BENCH_LOOP_FILE (max, p99, mean in
// ms) and starts afresh; the benchmark signals before and after a load.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_LOOP_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  process.on("SIGUSR2", () => {
    const ms = (ns) => Math.round((ns / 1e6) * 10) / 10;
    writeFileSync(file, JSON.stringify({ max_ms: ms(h.max), p99_ms: ms(h.percentile(99)), mean_ms: ms(h.mean), at: Date.now() }));
    h.reset();
  });
}
