package io.tessera.bench.jmh;

import io.tessera.bench.BenchSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.util.Statistics;

/** Runs {@link JdbcBenchmarks} in this JVM (forks = 0) against a peer that is already running. */
public final class JmhSuite {
    private JmhSuite() {}

    /** One benchmark's figures; latency in microseconds, throughput derived as threads / mean latency. */
    public record Result(String benchmark, int threads, double opsPerSec, double meanMicros, double p50Micros,
                         double p99Micros, long samples) {}

    public static List<Result> run(String peerId, BenchSettings s) throws Exception {
        OptionsBuilder ob = new OptionsBuilder();
        ob.include(JdbcBenchmarks.class.getName() + "\\.");
        ob.param("peer", peerId)
                .forks(0)
                .threads(s.threads())
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS)
                .warmupIterations(s.jmhWarmup())
                .warmupTime(TimeValue.seconds(Math.max(1, s.jmhSeconds() / 2)))
                .measurementIterations(s.jmhIterations())
                .measurementTime(TimeValue.seconds(s.jmhSeconds()))
                .shouldFailOnError(true)
                .verbosity(Boolean.getBoolean("tessera.bench.jmh.verbose") ? VerboseMode.NORMAL : VerboseMode.SILENT);
        Collection<RunResult> results = new Runner(ob.build()).run();
        List<Result> out = new ArrayList<>();
        for (RunResult r : results) {
            BenchmarkParams bp = r.getParams();
            String name = bp.getBenchmark().substring(bp.getBenchmark().lastIndexOf('.') + 1);
            Statistics st = r.getPrimaryResult().getStatistics();
            double mean = st.getMean();
            out.add(new Result(name, bp.getThreads(), mean > 0 ? bp.getThreads() * 1e6 / mean : 0, mean,
                    st.getPercentile(50), st.getPercentile(99), st.getN()));
        }
        return out;
    }
}
