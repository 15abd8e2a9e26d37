package io.tessera.cli.chaos;

import java.sql.Connection;
import java.sql.SQLException;

/** Clean-up and pauses in the chaos clients' retry loops, where a failure changes nothing. */
final class Quietly {
    private Quietly() {}

    /** Closes {@code c} (null = nothing); a connection that fails to close is gone anyway. */
    static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException e) {
                // gone anyway
            }
        }
    }

    /** Rolls back {@code c}'s transaction (null = nothing); one that cannot is rolled back by its locks' expiry. */
    static void rollback(Connection c) {
        if (c != null) {
            try {
                c.rollback();
            } catch (SQLException | RuntimeException e) {
                // its locks expire
            }
        }
    }

    /** Sleeps {@code ms}; an interrupt ends the sleep and stays set for the loop to see. */
    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
