package io.tessera.bench;

import java.util.List;

/**
 * What a run does, identical for every peer: data size, client threads, warm-up and measurement.
 *
 * @param rows             bench_item rows (bench_detail has 4 per item)
 * @param ycsbRecords      usertable records (10 fields of 100 bytes)
 * @param threads          client threads, for JMH and YCSB alike; pools have this many connections
 * @param jmhWarmup        JMH warm-up iterations x seconds
 * @param jmhIterations    JMH measurement iterations
 * @param jmhSeconds       seconds per JMH iteration
 * @param ycsbWarmup       YCSB warm-up seconds per workload
 * @param ycsbSeconds      YCSB measured seconds per workload
 * @param workloads        YCSB workload letters
 * @param scalingNodes     Tessera node counts for the scaling run (empty = no scaling run)
 * @param scalingWorkloads YCSB workloads of the scaling run
 */
public record BenchSettings(long rows, long ycsbRecords, int threads, int jmhWarmup, int jmhIterations, int jmhSeconds,
                            double ycsbWarmup, double ycsbSeconds, List<String> workloads, List<Integer> scalingNodes,
                            List<String> scalingWorkloads, String mode) {

    /** Under 10 minutes on 2 cores for all five peers plus the scaling run. */
    public static BenchSettings quick() {
        return new BenchSettings(10_000, 10_000, 4, 1, 1, 2, 1, 4, List.of("A", "B", "C", "E", "F"),
                List.of(1, 2, 4), List.of("A", "C"), "quick");
    }

    public static BenchSettings full() {
        return new BenchSettings(100_000, 100_000, 4, 2, 3, 5, 10, 30, List.of("A", "B", "C", "E", "F"),
                List.of(1, 2, 4), List.of("A", "B", "C", "E", "F"), "full");
    }

    /** Seconds: what mvn verify's smoke test can afford. */
    public static BenchSettings smoke() {
        return new BenchSettings(200, 200, 2, 0, 1, 1, 0, 0.3, List.of("A", "B", "C", "E", "F"), List.of(),
                List.of(), "smoke");
    }

    public BenchSettings withThreads(int t) {
        return new BenchSettings(rows, ycsbRecords, t, jmhWarmup, jmhIterations, jmhSeconds, ycsbWarmup, ycsbSeconds,
                workloads, scalingNodes, scalingWorkloads, mode);
    }

    public BenchSettings withScaling(List<Integer> nodes) {
        return new BenchSettings(rows, ycsbRecords, threads, jmhWarmup, jmhIterations, jmhSeconds, ycsbWarmup, ycsbSeconds,
                workloads, nodes, scalingWorkloads, mode);
    }
}
