using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Pix2Pix.Api.Extensions;

public static class ApiDocumentationExtensions
{
    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo { Title = "Pix2Pix.NET", Version = "v1", Description = "pix2pix image-to-image translation as a service" });
            options.OperationFilter<TranslateBodyFilter>();
        });
        return builder;
    }

    public static WebApplication UseApiDocumentation(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(ui => ui.SwaggerEndpoint("/swagger/v1/swagger.json", "Pix2Pix.NET v1"));
        return app;
    }

    /// <summary>Documents /translate's two upload forms and its binary answer (the handler reads the body itself).</summary>
    private sealed class TranslateBodyFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName != "Translate") return;
            var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
            var form = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema> { ["image"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "the PNG image" } },
                Required = new HashSet<string> { "image" },
            };
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "A PNG image (any colour type and bit depth; alpha is composited on white)",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["image/png"] = new() { Schema = binary },
                    ["multipart/form-data"] = new() { Schema = form },
                },
            };
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } content)
            {
                content["image/png"] = new OpenApiMediaType { Schema = binary };
            }
        }
    }
}
