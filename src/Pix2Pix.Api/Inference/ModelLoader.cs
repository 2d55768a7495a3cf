namespace Pix2Pix.Api.Inference;

/// <summary>Loads and warms up the models after start-up, off the start-up path; /health/ready says when it is done.</summary>
public sealed class ModelLoader(ModelRegistry registry) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(registry.LoadAll, stoppingToken);
}
