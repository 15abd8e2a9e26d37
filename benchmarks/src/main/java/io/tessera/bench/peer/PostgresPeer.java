package io.tessera.bench.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PostgreSQL 15 from Debian's packages: installed with apt-get when missing (needs root), a fresh
 * cluster made with initdb in a temporary directory, run with pg_ctl on a free loopback port (as the
 * {@code postgres} user when the harness runs as root), stopped and deleted by {@link #close()}.
 */
public final class PostgresPeer implements Peer {
    public static final Path BIN = Paths.get(System.getProperty("tessera.bench.pg.bin", "/usr/lib/postgresql/15/bin"));

    private Path dir;
    private int port;
    private boolean started;

    @Override
    public String id() {
        return "postgres";
    }

    @Override
    public String displayName() {
        return "PostgreSQL 15";
    }

    /** Installs PostgreSQL 15 when missing; returns why it cannot be used, or null when it can. */
    public static synchronized String ensureInstalled() {
        if (Files.isExecutable(BIN.resolve("initdb"))) {
            return null;
        }
        if (!isRoot()) {
            return "PostgreSQL 15 is not installed (" + BIN + "/initdb missing) and the harness is not root, so it cannot apt-get install it";
        }
        try {
            System.err.println("bench: installing PostgreSQL 15 (apt-get install postgresql-15) ...");
            run(List.of("bash", "-c", "export DEBIAN_FRONTEND=noninteractive; "
                    + "(apt-get install -y -q postgresql-15 || (apt-get update -q && apt-get install -y -q postgresql-15)) >/tmp/tessera-bench-apt.log 2>&1"), 900);
        } catch (Exception e) {
            return "apt-get install postgresql-15 failed: " + e.getMessage() + " (see /tmp/tessera-bench-apt.log)";
        }
        return Files.isExecutable(BIN.resolve("initdb")) ? null : "apt-get ran but " + BIN + "/initdb is still missing";
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Override
    public void start(Path workDir) throws Exception {
        String why = ensureInstalled();
        if (why != null) {
            throw new IllegalStateException(why);
        }
        // Its own directory: initdb as 'postgres' cannot enter the harness's private temp directories.
        dir = Files.createTempDirectory(Paths.get("/tmp"), "tessera-bench-pg-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (isRoot()) {
            run(List.of("chown", "postgres:postgres", dir.toString()), 30);
        }
        Path data = dir.resolve("data");
        asPostgres(List.of(BIN.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres",
                "-E", "UTF8", "--no-sync", "--locale=C"), 120);
        port = Ports.free();
        String opts = "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1"
                + " -c fsync=on -c synchronous_commit=on -c full_page_writes=on"
                + " -c shared_buffers=256MB -c max_connections=200";
        asPostgres(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("postgres.log").toString(),
                "-w", "-t", "60", "-o", opts, "start"), 90);
        started = true;
    }

    private void asPostgres(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        run(full, timeoutSeconds);
    }

    private static void run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tessera-bench-cmd", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + Files.readString(out).strip());
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    @Override
    public Properties connectionProperties() {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("reWriteBatchedInserts", "false");
        return p;
    }

    @Override
    public String driverClassName() {
        return "org.postgresql.Driver";
    }

    @Override
    public String durability() {
        return "fsync=on, synchronous_commit=on (WAL flushed before commit returns)";
    }

    @Override
    public String notes() {
        return "separate server processes; shared_buffers=256MB";
    }

    @Override
    public void close() {
        if (dir == null) {
            return;
        }
        try {
            if (started) {
                asPostgres(List.of(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"), 60);
            }
        } catch (Exception e) {
            System.err.println("bench: stopping PostgreSQL failed: " + e.getMessage());
        }
        deleteTree(dir);
        dir = null;
    }

    static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
