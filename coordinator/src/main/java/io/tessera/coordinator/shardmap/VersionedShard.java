package io.tessera.coordinator.shardmap;

import io.tessera.protocol.proto.ShardState;

/** A shard's state with the znode version that is its CAS token. */
public record VersionedShard(ShardState state, int version) {}
