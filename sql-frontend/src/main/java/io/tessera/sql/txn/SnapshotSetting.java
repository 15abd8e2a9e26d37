package io.tessera.sql.txn;

import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.exec.AsOfSnapshots;
import io.tessera.sql.exec.ReadCluster;
import io.tessera.sql.schema.TesseraSchema;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.TimeZone;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.server.DdlExecutor;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlSetOption;
import org.apache.calcite.sql.SqlUnknownLiteral;
import org.apache.calcite.sql.SqlUtil;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.TimestampString;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The session setting {@value #NAME}: the past snapshot every following statement of the
 * connection reads, until it is reset (docs/transactions.md, "AS OF: reading the past").
 *
 * <ul>
 *   <li>{@code SET SNAPSHOT_TIMESTAMP = TIMESTAMP '2026-11-25 18:30:00'} (also
 *       {@code ALTER SESSION SET ...}, or the value as a string) reads the snapshot of that time,
 *       taken in the session time zone like {@code CURRENT_TIMESTAMP}; a time in the future
 *       fails with 22000;</li>
 *   <li>{@code SET SNAPSHOT_TIMESTAMP = NULL}, {@code RESET SNAPSHOT_TIMESTAMP} or
 *       {@code RESET ALL} read the present again.</li>
 * </ul>
 *
 * <p>Calcite parses {@code SET name = literal} and {@code RESET name} as {@link SqlSetOption}, a
 * DDL node, and hands it to the connection's {@link DdlExecutor}: this one takes the setting and
 * passes every other statement on to {@code next}.
 */
public final class SnapshotSetting implements DdlExecutor {
  /** The setting's name (also the connection property {@value #PROPERTY}). */
  public static final String NAME = "SNAPSHOT_TIMESTAMP";
  /** Connection property: the setting's initial value, a time 'yyyy-MM-dd HH:mm:ss[.fff]'. */
  public static final String PROPERTY = "snapshotTimestamp";

  private final DdlExecutor next;

  public SnapshotSetting(DdlExecutor next) {
    this.next = next;
  }

  @Override public void executeDdl(CalcitePrepare.Context context, SqlNode node) {
    if (!(node instanceof SqlSetOption)) {
      next.executeDdl(context, node);
      return;
    }
    SqlSetOption option = (SqlSetOption) node;
    String name = option.getName().toString().toUpperCase(Locale.ROOT);
    SqlNode value = option.getValue();
    boolean resetAll = value == null && name.equals("ALL");
    if (!name.equals(NAME) && !resetAll) {
      next.executeDdl(context, node);
      return;
    }
    TesseraSchema schema = schema(context);
    if (value == null || SqlUtil.isNullLiteral(value, false)) {
      schema.txn().setSnapshot(null);
      return;
    }
    TimeZone zone = AsOfSnapshots.sessionZone(context.getDataContext());
    long millis = AsOfSnapshots.utcMillis(sqlTimestamp(value), zone);
    schema.txn().setSnapshot(AsOfSnapshots.snapshotAt(millis, schema.reads()));
  }

  /**
   * The snapshot the connection property {@value #PROPERTY} asks for, or null when it is not
   * set.
   *
   * @param timeZone the session time zone (connection property {@code timeZone}), null for the
   *     JVM's
   * @throws TesseraException 08001 for a malformed time, 22000 for one in the future
   */
  public static @Nullable Long fromProperty(@Nullable String value, @Nullable String timeZone,
      ReadCluster cluster) {
    if (value == null || value.isBlank()) {
      return null;
    }
    TimeZone zone = timeZone == null ? TimeZone.getDefault() : TimeZone.getTimeZone(timeZone);
    long local;
    try {
      local = parse(value);
    } catch (TesseraException e) {
      throw new TesseraException("08001", "Connection property " + PROPERTY + ": "
          + e.getMessage());
    }
    return AsOfSnapshots.snapshotAt(AsOfSnapshots.utcMillis(local, zone), cluster);
  }

  /** The value of a SET as Calcite represents a TIMESTAMP (local milliseconds as if UTC). */
  private static long sqlTimestamp(SqlNode value) {
    if (value instanceof SqlUnknownLiteral
        && ((SqlUnknownLiteral) value).tag.equalsIgnoreCase("TIMESTAMP")) {
      // The parser leaves TIMESTAMP '...' for the validator to resolve; SET is not validated.
      value = ((SqlUnknownLiteral) value).resolve(SqlTypeName.TIMESTAMP);
    }
    if (value instanceof SqlLiteral) {
      SqlLiteral literal = (SqlLiteral) value;
      if (literal.getTypeName() == SqlTypeName.TIMESTAMP) {
        return literal.getValueAs(TimestampString.class).getMillisSinceEpoch();
      }
      if (literal.getTypeName() == SqlTypeName.CHAR) {
        return parse(literal.getValueAs(String.class));
      }
    }
    throw new TesseraException(SqlStates.DATA_EXCEPTION, NAME + " takes a TIMESTAMP literal"
        + " (TIMESTAMP '2026-11-25 18:30:00'), or NULL to read the present again, not " + value);
  }

  private static long parse(String text) {
    try {
      return LocalDateTime.parse(text.trim().replace(' ', 'T')).toInstant(ZoneOffset.UTC)
          .toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new TesseraException(SqlStates.INVALID_DATETIME, NAME + ": '" + text
          + "' is not a time 'yyyy-MM-dd HH:mm:ss[.fff]'", e);
    }
  }

  private static TesseraSchema schema(CalcitePrepare.Context context) {
    SchemaPlus sub = context.getRootSchema().plus().subSchemas().get(TesseraSchema.NAME);
    TesseraSchema schema = sub == null ? null : sub.unwrap(TesseraSchema.class);
    if (schema == null) {
      throw new IllegalStateException("no Tessera schema " + TesseraSchema.NAME
          + " in this connection");
    }
    return schema;
  }
}
