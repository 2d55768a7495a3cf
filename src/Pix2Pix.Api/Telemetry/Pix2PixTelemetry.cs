using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pix2Pix.Api.Telemetry;

/// <summary>The service's own spans (decode, queue wait, inference, encode) and metrics.</summary>
public sealed class Pix2PixTelemetry : IDisposable
{
    public const string Name = "Pix2Pix.Api";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>
    /// Bucket bounds of the millisecond histograms: fine where a request or a run of a small model falls (a few ms), so that
    /// a scraper's quantiles mean something; OpenTelemetry's default bounds (0, 5, 10, 25, ...) put every run of the shipped
    /// model into one bucket.
    /// </summary>
    public static readonly IReadOnlyList<double> MillisecondBounds =
        [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10000, 30000];

    /// <summary>Bucket bounds of the batch-size histogram: every size up to 4 (the default largest batch), then doubling.</summary>
    public static readonly IReadOnlyList<int> BatchSizeBounds = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];

    private readonly Meter meter;
    private int queued;
    private int active;
    private long uploadBytes;

    public Pix2PixTelemetry(IMeterFactory meters)
    {
        meter = meters.Create(Name);
        var milliseconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = MillisecondBounds };
        RequestDuration = meter.CreateHistogram("pix2pix.translate.duration", "ms", "Time to answer a /translate request, decode to encode", advice: milliseconds);
        InferenceDuration = meter.CreateHistogram("pix2pix.inference.duration", "ms", "Time of one generator run (one batch)", advice: milliseconds);
        BatchSize = meter.CreateHistogram("pix2pix.batch.size", "{request}", "Requests run together in one batch", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchSizeBounds });
        QueueWait = meter.CreateHistogram("pix2pix.queue.wait", "ms", "Time a request waited for its batch", advice: milliseconds);
        Rejected = meter.CreateCounter<long>("pix2pix.queue.rejected", "{request}", "Requests turned away because the queue was full");
        meter.CreateObservableGauge("pix2pix.queue.depth", () => Volatile.Read(ref queued), "{request}", "Requests waiting for a batch");
        meter.CreateObservableGauge("pix2pix.requests.active", () => Volatile.Read(ref active), "{request}", "Requests admitted to a model and not yet answered");
        meter.CreateObservableGauge("pix2pix.upload.buffered", () => Interlocked.Read(ref uploadBytes), "By", "Bytes of uploads held while they are received and translated (Uploads:UploadBufferMegabytes)");
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

    /// <summary>Upload bytes drawn (positive) or given back (negative); returns the bytes uploads hold now.</summary>
    public long UploadBuffered(long bytes) => Interlocked.Add(ref uploadBytes, bytes);

    public void Dispose() => meter.Dispose();
}
