package io.tessera.protocol.error;

import io.tessera.protocol.proto.Error;

/**
 * Builds the in-band {@link Error} of shard and coordinator responses, and gives each code its
 * default SQLState, so nodes and frontends agree on what a failure means to a JDBC user.
 */
public final class ShardErrors {
    private ShardErrors() {}

    public static Error of(Error.Code code, String message) {
        return Error.newBuilder().setCode(code).setMessage(message).setSqlState(defaultSqlState(code)).build();
    }

    public static Error of(Error.Code code, String sqlState, String message) {
        return Error.newBuilder().setCode(code).setMessage(message).setSqlState(sqlState).build();
    }

    public static boolean isOk(Error e) {
        return e == null || e.getCode() == Error.Code.OK;
    }

    /** The SQLState of an error: its own when set, otherwise the default for its code. */
    public static String sqlState(Error e) {
        return e.getSqlState().isEmpty() ? defaultSqlState(e.getCode()) : e.getSqlState();
    }

    public static String defaultSqlState(Error.Code code) {
        switch (code) {
            case OK:
                return "00000";
            case DUPLICATE_KEY:
                return "23505";
            case CONSTRAINT:
                return "23000";
            case WRITE_CONFLICT:
            case TXN_ABORTED:
            case LOCKED: // surfaces only when the lock could not be resolved in time
                return "40001";
            case BAD_REQUEST:
                return "22000";
            case SNAPSHOT_TOO_OLD:
                return "72000"; // PostgreSQL's snapshot_too_old
            case STALE_EPOCH:
            case NOT_PRIMARY:
            case UNKNOWN_SHARD:
            case SCHEMA_MISMATCH:
            case NOT_SERVING:
                return "08006"; // retried by the frontend; surfaces only when retries are exhausted
            default:
                return "XX000";
        }
    }

    /** Whether the frontend should refresh its route (or schema) and retry the request. */
    public static boolean isRetryable(Error e) {
        switch (e.getCode()) {
            case STALE_EPOCH:
            case NOT_PRIMARY:
            case UNKNOWN_SHARD:
            case SCHEMA_MISMATCH:
            case NOT_SERVING:
                return true;
            default:
                return false;
        }
    }
}
