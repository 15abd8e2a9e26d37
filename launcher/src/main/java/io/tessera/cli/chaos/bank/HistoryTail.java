package io.tessera.cli.chaos.bank;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Follows a {@link TransferHistoryFile} while its client process writes it, so that the parent can
 * pick the moment of a {@code kill -9}: {@link #poll()} reads what was appended since the last call
 * and returns the newest event (e.g. {@code COMMITTING}: the client is inside {@code commit()}),
 * and {@link #statementsMillis()} and {@link #commitMillis()} say how long the client's last
 * transfers took from their first statement to {@code commit()} and in {@code commit()}. Cheap
 * enough to call every millisecond.
 */
public final class HistoryTail {
    private final Path file;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private long offset;
    private final StringBuilder partial = new StringBuilder();
    private TransferHistory.Event last;
    private long ended;
    private long lastBeginMillis = -1;
    private long lastBeginId = -1;
    private long statementsMillis = -1;
    private long lastCommittingMillis = -1;
    private long commitMillis = -1;

    public HistoryTail(Path file) {
        this.file = file;
    }

    /** The newest complete event in the file, or null before the first one. */
    public TransferHistory.Event poll() throws IOException {
        if (!Files.exists(file)) {
            return last;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (true) {
                buffer.clear();
                int n = ch.read(buffer, offset);
                if (n <= 0) {
                    break;
                }
                offset += n;
                partial.append(new String(buffer.array(), 0, n, StandardCharsets.UTF_8));
            }
        }
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, nl);
            partial.delete(0, nl + 1);
            String[] f = line.split("\t", 4); // event, id, millis, detail
            last = TransferHistory.Event.valueOf(f[0]);
            long id = Long.parseLong(f[1]);
            long millis = Long.parseLong(f[2]);
            switch (last) {
                case BEGIN -> {
                    lastBeginId = id;
                    lastBeginMillis = millis;
                }
                case COMMITTING -> {
                    if (id == lastBeginId) {
                        statementsMillis = millis - lastBeginMillis;
                        lastCommittingMillis = millis;
                    }
                }
                case COMMITTED -> {
                    if (id == lastBeginId && lastCommittingMillis >= 0) {
                        commitMillis = millis - lastCommittingMillis;
                    }
                    ended++;
                }
                default -> ended++;
            }
        }
        return last;
    }

    /** From BEGIN to COMMITTING of the last transfer that got that far (ms), or -1 before the first. */
    public long statementsMillis() {
        return statementsMillis;
    }

    /** From COMMITTING to COMMITTED of the last transfer that committed (ms), or -1 before the first. */
    public long commitMillis() {
        return commitMillis;
    }

    /** Transfers that ended (an outcome or skipped) so far: the client is warmed up after the first. */
    public long ended() {
        return ended;
    }
}
