package io.tessera.bench.peer;

import java.nio.file.Path;
import org.h2.tools.Server;

/** An H2 TCP server on loopback (in the harness JVM, its own threads), file-backed. */
public final class H2TcpPeer implements Peer {
    private Server server;
    private String url;

    @Override
    public String id() {
        return "h2tcp";
    }

    @Override
    public String displayName() {
        return "H2 TCP server";
    }

    @Override
    public void start(Path workDir) throws Exception {
        server = startServer(workDir);
        url = "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/db";
    }

    /** An H2 TCP server on a free loopback port serving databases under {@code dir}. */
    static Server startServer(Path dir) throws Exception {
        Server s = Server.createTcpServer("-tcpPort", String.valueOf(Ports.free()), "-baseDir",
                dir.toAbsolutePath().toString(), "-ifNotExists", "-tcpDaemon");
        s.start();
        return s;
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
        return "H2 default: MVStore file, no fsync per commit";
    }

    @Override
    public String notes() {
        return "server threads share the harness JVM; clients go through loopback TCP";
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }
}
