using Pix2Pix.Api.Apis;
using Pix2Pix.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddApplicationServices();
builder.AddObservability();
builder.AddApiDocumentation();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiDocumentation();
app.UseSketchPad();

app.MapTranslateApi();
app.MapModelsApi();
app.MapHealthEndpoints();

app.Run();

/// <summary>The entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
