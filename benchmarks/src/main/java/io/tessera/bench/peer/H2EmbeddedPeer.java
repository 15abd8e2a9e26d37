package io.tessera.bench.peer;

import java.nio.file.Path;
import java.sql.DriverManager;

/** H2 2.x embedded in the benchmark JVM, file-backed (MVStore), no network. */
public final class H2EmbeddedPeer implements Peer {
    private String url;

    @Override
    public String id() {
        return "h2";
    }

    @Override
    public String displayName() {
        return "H2 embedded";
    }

    @Override
    public void start(Path workDir) {
        url = "jdbc:h2:file:" + workDir.toAbsolutePath().resolve("db") + ";DB_CLOSE_DELAY=-1";
    }

    @Override
    public String jdbcUrl() {
        return url;
    }

    @Override
    public String driverClassName() {
        return "org.h2.Driver";
    }

    @Override
    public String durability() {
        return "H2 default: MVStore file, committed to the OS on commit, no fsync per commit (background write every ~1 s)";
    }

    @Override
    public String notes() {
        return "in the client JVM: no network, no serialization";
    }

    @Override
    public void close() {
        if (url != null) {
            try (var c = DriverManager.getConnection(url); var s = c.createStatement()) {
                s.execute("SHUTDOWN");
            } catch (Exception ignored) {
                // already closed
            }
            url = null;
        }
    }
}
