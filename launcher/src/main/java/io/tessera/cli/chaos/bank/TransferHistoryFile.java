package io.tessera.cli.chaos.bank;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A transfer client process's history: one line per event ({@link TransferHistory.Event}): the
 * event, the transfer id and the wall clock in milliseconds, tab separated, then for {@code BEGIN}
 * a tab and "from to amount", for an outcome a tab and the error (tabs and line breaks replaced). Each line is handed to the kernel with a
 * single unbuffered {@code write} before the client goes on. A {@code kill -9} of the process therefore loses nothing the client did before the event it
 * was about to record: the last {@code BEGIN} without an outcome is the transfer in flight, and a
 * {@code COMMITTING} line says that {@code commit()} may have been called. (No fsync: the file
 * outlives the process, not the machine.)
 */
public final class TransferHistoryFile implements TransferListener, AutoCloseable {
    private final FileOutputStream out;

    public TransferHistoryFile(Path file) throws IOException {
        this.out = new FileOutputStream(file.toFile(), true);
    }

    @Override
    public void begun(long id, int from, int to, long amount) {
        write(TransferHistory.Event.BEGIN, id, from + " " + to + " " + amount);
    }

    @Override
    public void committing(long id) {
        write(TransferHistory.Event.COMMITTING, id, null);
    }

    @Override
    public void finished(Transfer transfer) {
        TransferHistory.Event event = switch (transfer.outcome()) {
            case COMMITTED -> TransferHistory.Event.COMMITTED;
            case ABORTED -> TransferHistory.Event.ABORTED;
            case INDETERMINATE -> TransferHistory.Event.INDETERMINATE;
        };
        write(event, transfer.id(), transfer.error());
    }

    @Override
    public void skipped(long id) {
        write(TransferHistory.Event.SKIPPED, id, null);
    }

    private synchronized void write(TransferHistory.Event event, long id, String detail) {
        String line = event + "\t" + id + "\t" + System.currentTimeMillis()
                + (detail == null ? "" : "\t" + detail.replaceAll("[\\t\\r\\n]+", " ")) + "\n";
        try {
            out.write(line.getBytes(StandardCharsets.UTF_8)); // one write(2): in the file even if killed next
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record " + event + " of transfer " + id, e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
