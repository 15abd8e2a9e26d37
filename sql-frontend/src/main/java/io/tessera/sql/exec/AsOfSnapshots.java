package io.tessera.sql.exec;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.tessera.protocol.time.Timestamps;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.TimeZone;
import org.apache.calcite.DataContext;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Past snapshots that statements read instead of a fresh one (docs/transactions.md, "AS OF:
 * reading the past"): the one a statement names ({@code FROM t FOR SYSTEM_TIME AS OF ...}),
 * recorded per execution, or the one its connection set ({@code SET SNAPSHOT_TIMESTAMP = ...}).
 * {@link StatementTimestamps} asks here first.
 *
 * <p>A time becomes the snapshot {@link Timestamps#endOfMillis}: a read at it sees every commit
 * of that millisecond and none after. SQL TIMESTAMP values carry no zone; they are taken in the
 * session time zone, the one {@code CURRENT_TIMESTAMP} is in, so
 * {@code CURRENT_TIMESTAMP - INTERVAL '5' SECOND} means five seconds ago.
 */
public final class AsOfSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(AsOfSnapshots.class);

  /** Keys are compared by identity and held weakly: entries vanish with their owner. */
  private static final Cache<Object, Long> BY_EXECUTION =
      CacheBuilder.newBuilder().weakKeys().build();
  private static final Cache<Object, Long> BY_CONNECTION =
      CacheBuilder.newBuilder().weakKeys().build();

  private AsOfSnapshots() {}

  /**
   * The past snapshot the execution owning {@code context} reads: its statement's, else its
   * connection's (the Calcite connection, {@code DataContext.getQueryProvider()}); null = none.
   */
  public static @Nullable Long of(DataContext context) {
    Long statement = BY_EXECUTION.getIfPresent(context);
    if (statement != null) {
      return statement;
    }
    Object connection = context.getQueryProvider();
    return connection == null ? null : BY_CONNECTION.getIfPresent(connection);
  }

  /** The snapshot {@code connection} set for its statements, or null. */
  public static @Nullable Long ofConnection(Object connection) {
    return BY_CONNECTION.getIfPresent(connection);
  }

  /**
   * Makes every statement of {@code connection} read at {@code snapshot} (a Tessera timestamp),
   * or stops doing so when it is null.
   */
  public static void setForConnection(Object connection, @Nullable Long snapshot) {
    if (snapshot == null) {
      BY_CONNECTION.invalidate(connection);
    } else {
      BY_CONNECTION.put(connection, snapshot);
    }
  }

  /**
   * Records the {@code FOR SYSTEM_TIME AS OF} time of a scan of the execution owning
   * {@code context}, before the scan asks for its timestamp. Every scan of a statement names the
   * same time (the planner checks that the expressions are equal; a parameter or
   * {@code CURRENT_TIMESTAMP} has one value per execution), so the first one chooses.
   *
   * @param sqlTimestamp the time as Calcite represents a TIMESTAMP: milliseconds of the local
   *     date-time in the session time zone, counted as if it were UTC
   * @throws TesseraException 22000 for NULL or a time in the future, 0A000 when another
   *     scan of the execution named a different time
   */
  public static long forExecution(DataContext context, @Nullable Long sqlTimestamp,
      ReadCluster cluster) {
    if (sqlTimestamp == null) {
      throw new TesseraException(SqlStates.DATA_EXCEPTION,
          "FOR SYSTEM_TIME AS OF: the time is NULL");
    }
    long millis = utcMillis(sqlTimestamp, sessionZone(context));
    Long recorded = BY_EXECUTION.getIfPresent(context);
    if (recorded == null) {
      recorded = snapshotAt(millis, cluster);
      BY_EXECUTION.put(context, recorded);
    } else if (Timestamps.millisOf(recorded) != millis) {
      throw new TesseraException(SqlStates.FEATURE_NOT_SUPPORTED, "A statement reads one"
          + " snapshot: its FOR SYSTEM_TIME AS OF clauses name different times ("
          + describe(Timestamps.millisOf(recorded)) + " and " + describe(millis) + ")");
    }
    return recorded;
  }

  /**
   * The snapshot of the instant {@code millis} (UTC epoch milliseconds):
   * {@link Timestamps#endOfMillis} of it.
   *
   * @throws TesseraException 22000 when the time is in the future: the oracle has not reached
   *     it, so later commits could still land below it and the snapshot would change
   */
  public static long snapshotAt(long millis, ReadCluster cluster) {
    long now = cluster.nextTimestamp();
    long snapshot = Timestamps.endOfMillis(millis);
    if (Timestamps.millisOf(now) < millis) {
      throw new TesseraException(SqlStates.DATA_EXCEPTION, "AS OF " + describe(millis)
          + " is in the future (the cluster's time is " + describe(Timestamps.millisOf(now))
          + "): only the past can be read");
    }
    if (snapshot > now) {
      // The oracle is still in that millisecond: commits of its rest would land below the
      // snapshot after we read it. Everything up to now is the same instant, to the millisecond.
      snapshot = now;
    }
    LOG.debug("AS OF {} reads snapshot {}", describe(millis), snapshot);
    return snapshot;
  }

  /** The UTC instant (epoch milliseconds) of a Calcite TIMESTAMP value in {@code zone}. */
  public static long utcMillis(long sqlTimestamp, TimeZone zone) {
    LocalDateTime local = LocalDateTime.ofInstant(Instant.ofEpochMilli(sqlTimestamp),
        ZoneOffset.UTC);
    return local.atZone(zone.toZoneId()).toInstant().toEpochMilli();
  }

  /** The session time zone of an execution (the one CURRENT_TIMESTAMP is in). */
  public static TimeZone sessionZone(DataContext context) {
    Object zone = context.get(DataContext.Variable.TIME_ZONE.camelName);
    return zone instanceof TimeZone ? (TimeZone) zone : TimeZone.getDefault();
  }

  /** An instant for messages, in UTC (ISO-8601). */
  public static String describe(long utcMillis) {
    return Instant.ofEpochMilli(utcMillis).toString();
  }
}
