package io.tessera.sql.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;
import io.tessera.sql.error.SqlErrors;
import io.tessera.sql.error.TesseraException;
import java.sql.SQLException;
import org.apache.calcite.avatica.AvaticaClientRuntimeException;
import org.junit.jupiter.api.Test;

/** Failures map to SQLStates however deeply Calcite wrapped them. */
class SqlStateMappingTest {
  @Test void shardErrorsKeepTheirStatesThroughWrappers() {
    TesseraException dup = TesseraException.fromShard(
        ShardErrors.of(Error.Code.DUPLICATE_KEY, "duplicate key 1"));
    RuntimeException wrapped =
        new RuntimeException(new SQLException("x", new RuntimeException(dup)));
    assertThat(SqlErrors.sqlState(wrapped)).isEqualTo("23505");
    AvaticaClientRuntimeException client = SqlErrors.toClient(wrapped);
    assertThat(client.getSqlState()).isEqualTo("23505");
    assertThat(client.getErrorCode()).isZero();
    TesseraException conflict = TesseraException.fromShard(
        ShardErrors.of(Error.Code.WRITE_CONFLICT, "conflict"));
    SQLException e = SqlErrors.toSqlException(new RuntimeException(conflict));
    assertThat(e.getSQLState()).isEqualTo("40001");
    assertThat(e.getErrorCode()).isZero();
  }

  @Test void runtimeFailures() {
    assertThat(SqlErrors.sqlState(Status.UNAVAILABLE.asRuntimeException())).isEqualTo("08006");
    assertThat(SqlErrors.sqlState(new ArithmeticException("/ by zero"))).isEqualTo("22012");
    assertThat(SqlErrors.sqlState(new NumberFormatException("x"))).isEqualTo("22018");
    assertThat(SqlErrors.sqlState(new IllegalStateException("boom"))).isEqualTo("XX000");
  }
}
