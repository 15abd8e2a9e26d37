package io.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tessera local --nodes 3}: three node processes registered (seen by {@code status}), SQL on
 * the printed URL, everything gone after SIGTERM, data back after a restart.
 */
class LocalModeRunsNodeProcessesTest {
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration STOP = Duration.ofSeconds(40);
    private static final Pattern URL = Pattern.compile("JDBC URL: (jdbc:tessera://127\\.0\\.0\\.1:(\\d+)/default)");
    private static final Pattern NODE_PID = Pattern.compile("\\s+node-\\d+\\s+pid (\\d+).*");

    @TempDir
    Path dir;

    @Test
    void threeNodeProcessesServeSqlAndStopOnSigterm() throws Exception {
        Path data = dir.resolve("cluster");
        String url;
        List<Long> nodePids;
        try (ChildJvm local = ChildJvm.cli(List.of("local", "--nodes", "3", "--data", data.toString(), "--zk-port", "0"))) {
            Matcher m = URL.matcher(local.awaitLine(l -> URL.matcher(l).find(), START));
            assertThat(m.find()).isTrue();
            url = m.group(1);
            String zk = "127.0.0.1:" + m.group(2);
            nodePids = nodePids(local.output());
            assertThat(nodePids).hasSize(3);
            for (long pid : nodePids) {
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
            }

            try (ChildJvm status = ChildJvm.cli(List.of("status", "--zk", zk))) {
                assertThat(status.awaitExit(START)).as(status.output()).isZero();
                assertThat(status.output()).contains("Live shard nodes (3)").contains("node-1").contains("node-2")
                        .contains("node-3").contains("leader coordinator-1");
            }

            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE cities (id INTEGER PRIMARY KEY, name VARCHAR(40)) SHARD BY HASH(id) SHARDS 3");
                s.executeUpdate("INSERT INTO cities VALUES (1, 'Oslo'), (2, 'Lima'), (3, 'Pune'), (4, 'Kyiv')");
                assertThat(rows(s, "SELECT name FROM cities ORDER BY id")).containsExactly("Oslo", "Lima", "Pune", "Kyiv");
            }
            try (ChildJvm status = ChildJvm.cli(List.of("status", "--zk", zk))) {
                assertThat(status.awaitExit(START)).as(status.output()).isZero();
                assertThat(status.output()).contains("CITIES").contains("HASH(ID), 3 shards").contains("Shards (3)");
            }

            local.process.destroy(); // SIGTERM, as from kill or a service manager
            local.awaitExit(STOP);
            for (long pid : nodePids) {
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                        .as("node process %d after stop", pid).isFalse();
            }
        }
        assertThat(Files.isDirectory(data.resolve("node-3"))).isTrue();

        try (ChildJvm local = ChildJvm.cli(List.of("local", "--nodes", "3", "--data", data.toString(), "--zk-port", "0"))) {
            Matcher m = URL.matcher(local.awaitLine(l -> URL.matcher(l).find(), START));
            assertThat(m.find()).isTrue();
            try (Connection c = DriverManager.getConnection(m.group(1)); Statement s = c.createStatement()) {
                assertThat(rows(s, "SELECT name FROM cities ORDER BY id")).containsExactly("Oslo", "Lima", "Pune", "Kyiv");
            }
            local.process.destroy();
            local.awaitExit(STOP);
        }
    }

    private static List<Long> nodePids(String output) {
        List<Long> pids = new ArrayList<>();
        for (String line : output.split("\n")) {
            Matcher m = NODE_PID.matcher(line);
            if (m.matches()) {
                pids.add(Long.parseLong(m.group(1)));
            }
        }
        return pids;
    }

    private static List<String> rows(Statement s, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
