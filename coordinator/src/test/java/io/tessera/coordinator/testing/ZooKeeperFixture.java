package io.tessera.coordinator.testing;

import io.tessera.coordinator.zk.EmbeddedZooKeeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh embedded ZooKeeper server (in a temporary directory) for each test, registered with
 * {@code @RegisterExtension}. Whatever a test hands to {@link #closeAfter} is closed after the
 * test, last first, before the server stops.
 */
public final class ZooKeeperFixture implements BeforeEachCallback, AfterEachCallback {
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private Path dir;
    private EmbeddedZooKeeper zk;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("zk-test");
        zk = new EmbeddedZooKeeper(dir, 0).start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
            zk.close();
        } finally {
            closeables.clear();
            deleteRecursively(dir);
        }
    }

    /** The server's client connect string. */
    public String connectString() {
        return zk.connectString();
    }

    /** Closes {@code c} after the test, in reverse order of registration, before the server. */
    public void closeAfter(AutoCloseable c) {
        closeables.add(c);
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
