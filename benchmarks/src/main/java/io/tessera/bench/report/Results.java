package io.tessera.bench.report;

import io.tessera.bench.BenchSettings;
import io.tessera.bench.jmh.JmhSuite;
import io.tessera.bench.ycsb.YcsbRunner;
import java.util.ArrayList;
import java.util.List;

/** Everything one {@code tessera bench} run measured, plus where and how. */
public final class Results {
    public final BenchSettings settings;
    public final RunInfo info;
    public final List<PeerResult> peers = new ArrayList<>();
    public final List<ScalingPoint> scaling = new ArrayList<>();
    public String scalingFailure;
    public double durationSeconds;

    public Results(BenchSettings settings, RunInfo info) {
        this.settings = settings;
        this.info = info;
    }

    /** One system's results. */
    public static final class PeerResult {
        public final String id;
        public final String name;
        public String version = "?";
        public String durability = "";
        public String isolation = "";
        public String notes = "";
        public double loadSeconds;
        public double ycsbLoadSeconds;
        public final List<JmhSuite.Result> jmh = new ArrayList<>();
        public final List<YcsbRunner.Result> ycsb = new ArrayList<>();
        public String failure;

        public PeerResult(String id, String name) {
            this.id = id;
            this.name = name;
        }

        public JmhSuite.Result jmh(String benchmark) {
            return jmh.stream().filter(r -> r.benchmark().equals(benchmark)).findFirst().orElse(null);
        }

        public YcsbRunner.Result ycsb(String workload) {
            return ycsb.stream().filter(r -> r.workload().equals(workload)).findFirst().orElse(null);
        }
    }

    /** Tessera YCSB throughput at one node count. */
    public record ScalingPoint(int nodes, String workload, double opsPerSec, double p50Micros, double p99Micros,
                               long errors) {}

    public PeerResult peer(String id) {
        return peers.stream().filter(p -> p.id.equals(id)).findFirst().orElse(null);
    }
}
