package io.tessera.bench.peer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tessera as it is deployed: {@code tessera local} in a child process (ZooKeeper + coordinator), which
 * spawns {@code nodes} shard-node processes; the benchmark JVM is a client through
 * {@code jdbc:tessera://127.0.0.1:<zk>/default}, so every statement crosses loopback gRPC like the
 * peers' network protocols. {@code replicas} is the replication factor of the benchmark tables.
 */
public final class TesseraPeer implements Peer {
    private static final Pattern URL_LINE = Pattern.compile("JDBC URL: (jdbc:tessera:\\S+)");

    private final int nodes;
    private final int replicas;
    private Process local;
    private String url;
    private Path log;
    private String durability = System.getProperty("tessera.bench.durability", "sync");

    public TesseraPeer(int nodes, int replicas) {
        if (replicas > nodes) {
            throw new IllegalArgumentException("RF=" + replicas + " needs at least as many nodes, not " + nodes);
        }
        this.nodes = nodes;
        this.replicas = replicas;
    }

    @Override
    public String id() {
        return replicas == 1 ? "tessera" : "tessera-rf" + replicas;
    }

    @Override
    public String displayName() {
        return "Tessera RF=" + replicas + ", " + nodes + " node" + (nodes == 1 ? "" : "s");
    }

    public int nodes() {
        return nodes;
    }

    /** The repository root: -Dtessera.home, else the nearest directory above the working directory with launcher/target/lib. */
    public static Path home() {
        String h = System.getProperty("tessera.home");
        if (h != null) {
            return Paths.get(h).toAbsolutePath();
        }
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("launcher").resolve("target").resolve("lib"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the launcher's build (launcher/target/lib) above "
                + Paths.get("").toAbsolutePath() + "; build it (mvn -B -q package -DskipTests) or set -Dtessera.home");
    }

    static String launcherClasspath(Path home) throws IOException {
        Path target = home.resolve("launcher").resolve("target");
        Path jar = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, "tessera-launcher-*.jar")) {
            for (Path p : ds) {
                jar = p;
            }
        }
        if (jar == null) {
            throw new IOException("no launcher jar in " + target + "; build it (mvn -B -q package -DskipTests)");
        }
        return target.resolve("lib") + "/*" + java.io.File.pathSeparator + jar;
    }

    @Override
    public void start(Path workDir) throws Exception {
        Path home = home();
        Path data = Files.createDirectories(workDir.resolve("tessera"));
        log = workDir.resolve("tessera-local.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xss4m", "-Xmx512m", "-XX:+UseParallelGC", "-Dcalcite.bindable.cache.maxSize=1000",
                "-Dtessera.log.level=" + System.getProperty("tessera.bench.log.level", "WARN"),
                "-cp", launcherClasspath(home), "io.tessera.cli.TesseraCli", "local",
                "--nodes", String.valueOf(nodes), "--data", data.toString(), "--zk-port", "0",
                "--replicas", String.valueOf(replicas), "--durability", durability));
        local = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (url == null) {
            if (!local.isAlive()) {
                throw new IOException("tessera local exited with " + local.exitValue() + ": " + tail());
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IOException("tessera local did not print its JDBC URL within 120 s: " + tail());
            }
            Matcher m = URL_LINE.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (m.find()) {
                url = m.group(1);
            } else {
                Thread.sleep(100);
            }
        }
    }

    private String tail() {
        try {
            String s = Files.readString(log);
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public String createTable(String createTable, String shardKey) {
        return createTable + " SHARD BY HASH (" + shardKey + ")";
    }

    @Override
    public String jdbcUrl() {
        return url;
    }

    @Override
    public String driverClassName() {
        return "io.tessera.jdbc.TesseraDriver";
    }

    @Override
    public String durability() {
        return "durability=" + durability + (durability.equals("sync")
                ? " (MVStore sync() = fsync before the write is acknowledged, group commit" : " (")
                + (replicas == 1 ? ")" : "; on every member of the shard's sync set, " + replicas + " replicas)");
    }

    @Override
    public String isolation() {
        return "snapshot isolation (REPEATABLE READ, the default): multi-statement transactions atomic across shards "
                + "(Percolator-style 2PC), write-write conflicts fail with 40001; autocommit statements on one shard "
                + "commit in one phase";
    }

    @Override
    public String notes() {
        return "1 process ZooKeeper + coordinator, " + nodes + " shard-node processes (-Xmx1g each), "
                + "default shards (3 x nodes) per table, RF=" + replicas + "; SQL frontend (Calcite) in the client JVM";
    }

    @Override
    public void close() {
        if (local != null) {
            local.destroy();
            try {
                if (!local.waitFor(30, TimeUnit.SECONDS)) {
                    local.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                local.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            local = null;
        }
    }
}
