package io.tessera.sql.meta;

/**
 * Timestamps the oracle handed out in one {@code GetTimestamps} answer: {@code first},
 * {@code first + step}, ..., {@code first + (count - 1) * step}. The oracle leaves the values
 * between two of its timestamps to shard primaries ({@link io.tessera.protocol.time.Timestamps}),
 * so only these values are the caller's timestamps: {@code first + 1} may be a one-phase commit's
 * timestamp. (As identities and row ids, whole slots are the caller's:
 * {@link UniqueIds}.)
 */
public record TimestampRange(long first, int count, long step) {
  public TimestampRange {
    if (count < 1 || step < 1) {
      throw new IllegalArgumentException("count " + count + " and step " + step
          + " must be positive");
    }
  }

  /** The {@code i}-th timestamp of the range (0-based). */
  public long get(int i) {
    if (i < 0 || i >= count) {
      throw new IndexOutOfBoundsException("timestamp " + i + " of " + count);
    }
    return first + i * step;
  }

  /** The largest timestamp of the range. */
  public long last() {
    return get(count - 1);
  }
}
