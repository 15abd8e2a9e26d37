package io.tessera.coordinator.catalog;

import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;

/**
 * A DDL statement failed in a way the user should see; carries the {@link Error} (code, SQLState,
 * message) returned in the {@code DdlResponse}. The SQLStates of catalog failures live here.
 */
public final class DdlException extends Exception {
    private final Error error;

    public DdlException(Error error) {
        super(error.getMessage());
        this.error = error;
    }

    public Error error() {
        return error;
    }

    static DdlException tableExists(String name) {
        return bad("42S01", "table '" + name + "' already exists");
    }

    static DdlException viewExists(String name) {
        return bad("42S01", "view '" + name + "' already exists");
    }

    static DdlException tableNotFound(String name) {
        return bad("42S02", "table '" + name + "' does not exist");
    }

    static DdlException viewNotFound(String name) {
        return bad("42S02", "view '" + name + "' does not exist");
    }

    static DdlException indexExists(String name, String table) {
        return bad("42S11", "index '" + name + "' already exists (on table '" + table + "')");
    }

    static DdlException indexNotFound(String name) {
        return bad("42S12", "index '" + name + "' does not exist");
    }

    /** Malformed definitions: syntax-or-access-rule class 42000 unless a closer state applies. */
    static DdlException bad(String sqlState, String message) {
        return new DdlException(ShardErrors.of(Error.Code.BAD_REQUEST, sqlState, message));
    }

    /** A shard node could not be reached or refused an administrative call. */
    static DdlException nodeFailure(String message) {
        return new DdlException(ShardErrors.of(Error.Code.INTERNAL, "08006", message));
    }
}
