package io.tessera.sql.exec;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gRPC channel per shard node address, shared by every statement of a cluster client. A
 * channel multiplexes any number of concurrent calls; callers set a deadline on each call.
 * {@link #close()} (called with the cluster client, or by a shutdown hook) shuts them all down.
 *
 * <p>Channels run call callbacks on the transport thread ({@code directExecutor()}): every
 * listener of these calls only hands the message to a queue or future (ShardStream, ShardWriter)
 * or is a blocking stub, which brings its own executor; this saves a thread hand-off per
 * response (docs/benchmarks.md, "Profile: point select"). Callbacks must never block.
 */
public final class ShardChannels implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShardChannels.class);

  private final ConcurrentMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Thread shutdownHook;
  private volatile boolean closed;

  public ShardChannels() {
    this.shutdownHook = new Thread(this::shutdownNow, "tessera-shard-channels-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** The channel to {@code address} ({@code host:port}), created on first use. */
  public ManagedChannel channel(String address) {
    if (closed) {
      throw new IllegalStateException("shard channels are closed");
    }
    ManagedChannel c = channels.get(address);
    if (c != null && !c.isShutdown()) {
      return c;
    }
    return channels.compute(address, (a, old) -> old != null && !old.isShutdown() ? old
        : Grpc.newChannelBuilder(a, InsecureChannelCredentials.create())
            .maxInboundMessageSize(64 << 20)
            .directExecutor()
            .build());
  }

  /** Drops the channel of an address that is no longer used (e.g. a removed node). */
  public void forget(String address) {
    ManagedChannel c = channels.remove(address);
    if (c != null) {
      c.shutdown();
    }
  }

  @Override public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
    for (ManagedChannel c : channels.values()) {
      c.shutdown();
    }
    for (ManagedChannel c : channels.values()) {
      try {
        if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        c.shutdownNow();
      }
    }
    channels.clear();
  }

  private void shutdownNow() {
    closed = true;
    for (ManagedChannel c : channels.values()) {
      try {
        c.shutdownNow();
      } catch (RuntimeException e) {
        LOG.debug("closing channel", e);
      }
    }
  }
}
