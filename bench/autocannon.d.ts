// The little of autocannon's API the benchmark uses (the package ships no types).
declare module "autocannon" {
  namespace autocannon {
    type Request = { method?: string; path?: string; body?: string; headers?: Record<string, string>; setupRequest?: (req: any) => any };
    type Options = { url: string; connections?: number; duration?: number; headers?: Record<string, string>; requests?: Request[] };
    type Histogram = { average: number; mean: number; p50: number; p99: number; max: number };
    type Result = { requests: Histogram; latency: Histogram; non2xx: number; errors: number; timeouts: number; statusCodeStats: Record<string, { count: number }> };
  }
  function autocannon(opts: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
