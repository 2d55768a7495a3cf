// Every test class hosts its own service; OpenTelemetry listens to meters and activity sources process-wide,
// so two hosts alive at once would see each other's spans and instruments.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
