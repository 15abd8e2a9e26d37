package io.tessera.coordinator.placement;

/** The live nodes cannot hold the requested shards (e.g. fewer nodes than replicas). */
public final class PlacementException extends Exception {
    public PlacementException(String message) {
        super(message);
    }
}
