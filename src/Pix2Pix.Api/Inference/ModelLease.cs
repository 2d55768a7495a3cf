using Pix2Pix.Api.Telemetry;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// One request's hold on the model version it started with: a reload may swap in a newer version meanwhile, and this
/// one stays loaded until every request holding it has finished. Dispose when the request is done with the model.
/// </summary>
public sealed class ModelLease : IDisposable
{
    private readonly Pix2PixTelemetry telemetry;
    private int returned;

    internal ModelLease(GeneratorModel model, Pix2PixTelemetry telemetry)
    {
        Model = model;
        this.telemetry = telemetry;
        telemetry.Admitted();
    }

    public GeneratorModel Model { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref returned, 1) != 0) return;
        telemetry.Answered();
        Model.Release();
    }
}
