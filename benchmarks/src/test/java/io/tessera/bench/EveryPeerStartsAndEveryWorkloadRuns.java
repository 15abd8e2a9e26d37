package io.tessera.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.bench.peer.Peers;
import io.tessera.bench.peer.PostgresPeer;
import io.tessera.bench.peer.TesseraPeer;
import io.tessera.bench.report.Results;
import io.tessera.bench.workload.Operations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke run of the benchmark harness with tiny data: every peer starts, gets the schema and data,
 * runs each JDBC operation and each YCSB workload without errors, and the report is written.
 * Timings are never asserted. PostgreSQL is skipped (with a message) only when it cannot be installed.
 */
class EveryPeerStartsAndEveryWorkloadRuns {

    @Test
    void smokeRunOverEveryPeer(@TempDir Path out) throws Exception {
        List<String> peers = new ArrayList<>(System.getProperty("bench.peers") == null ? Peers.ALL
                : Peers.parse(System.getProperty("bench.peers")));
        String whyNoPostgres = peers.contains("postgres") ? PostgresPeer.ensureInstalled() : null;
        if (whyNoPostgres != null) {
            System.err.println("SKIPPING the PostgreSQL peer in the smoke test: " + whyNoPostgres);
            peers.remove("postgres");
        }
        Results r = new Harness(BenchSettings.smoke(), false).compare(peers, TesseraPeer.home());

        for (Results.PeerResult p : r.peers) {
            assertThat(p.failure).as(p.name + " failed").isNull();
            assertThat(p.jmh).extracting(j -> j.benchmark()).as(p.name).containsExactlyElementsOf(Operations.NAMES);
            assertThat(p.ycsb).hasSize(BenchSettings.smoke().workloads().size());
            for (var y : p.ycsb) {
                assertThat(y.ops()).as(p.name + " YCSB " + y.workload() + " operations").isPositive();
                assertThat(y.errors()).as(p.name + " YCSB " + y.workload() + " errors: " + y.lastError()).isZero();
            }
        }
        assertThat(r.peers).extracting(p -> p.id).containsExactlyElementsOf(peers);

        Path md = BenchMain.write(r, out);
        assertThat(Files.readString(md)).contains("# Benchmarks", "Workload A", "Replication overhead", "## Transactions",
                "transactionOneRow", "transactionWritesAutocommit");
    }
}
