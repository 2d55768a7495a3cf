using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pix2Pix.Api.Telemetry;

/// <summary>The service's own spans (decode, queue wait, inference, encode) and metrics.</summary>
public sealed class Pix2PixTelemetry : IDisposable
{
    public const string Name = "Pix2Pix.Api";

    public static readonly ActivitySource Source = new(Name);

    private readonly Meter meter;
    private int queued;
    private int active;

    public Pix2PixTelemetry(IMeterFactory meters)
    {
        meter = meters.Create(Name);
        RequestDuration = meter.CreateHistogram<double>("pix2pix.translate.duration", "ms", "Time to answer a /translate request, decode to encode");
        InferenceDuration = meter.CreateHistogram<double>("pix2pix.inference.duration", "ms", "Time of one generator run (one batch)");
        BatchSize = meter.CreateHistogram<int>("pix2pix.batch.size", "{request}", "Requests run together in one batch");
        QueueWait = meter.CreateHistogram<double>("pix2pix.queue.wait", "ms", "Time a request waited for its batch");
        Rejected = meter.CreateCounter<long>("pix2pix.queue.rejected", "{request}", "Requests turned away because the queue was full");
        meter.CreateObservableGauge("pix2pix.queue.depth", () => Volatile.Read(ref queued), "{request}", "Requests waiting for a batch");
        meter.CreateObservableGauge("pix2pix.requests.active", () => Volatile.Read(ref active), "{request}", "Requests admitted to a model and not yet answered");
        ModelReloads = meter.CreateCounter<long>("pix2pix.model.reloads", "{event}", "Models added, replaced, removed or failed to load while serving (by model and outcome)");
    }

    public Histogram<double> RequestDuration { get; }
    public Histogram<double> InferenceDuration { get; }
    public Histogram<int> BatchSize { get; }
    public Histogram<double> QueueWait { get; }
    public Counter<long> Rejected { get; }
    public Counter<long> ModelReloads { get; }

    /// <summary>Requests admitted to a model and not yet answered, all models together.</summary>
    public int Active => Volatile.Read(ref active);

    public void Admitted() => Interlocked.Increment(ref active);

    public void Answered() => Interlocked.Decrement(ref active);

    public void Enqueued() => Interlocked.Increment(ref queued);

    public void Dequeued() => Interlocked.Decrement(ref queued);

    public void Dispose() => meter.Dispose();
}
