using System.CommandLine;
using System.Net;

namespace AgentFlow.Cli.Serve;

/// <summary>
/// <c>agentflow serve</c>: an OpenAI-compatible server over a local model, so frozen modules (or a remote planner)
/// can run on another machine. Prints <c>listening on URL</c> on standard output once it accepts requests.
/// </summary>
internal static class ServeCommand
{
    internal static Command Create()
    {
        var model = new ModelArguments();
        var host = CliOptions.Text("--host", "Address to listen on; 127.0.0.1 keeps the server on this machine, 0.0.0.0 opens it to the network.",
            "an IP address such as 127.0.0.1 or 0.0.0.0", value => IPAddress.TryParse(value, out _), "127.0.0.1");
        var port = CliOptions.Number("--port", "TCP port; 0 picks a free one (the 'listening on' line says which).",
            "a port from 0 to 65535", (int p) => p is >= 0 and <= 65535, defaultValue: 8000);
        var name = new Option<string>("--served-model-name") { Description = "The model name /v1/models lists and requests must use; default the model's file or folder name." };
        var apiKeyEnv = new Option<string>("--api-key-env") { Description = "Environment variable holding the API key clients must send as 'Authorization: Bearer KEY'; default no key." };
        var maxTokens = CliOptions.Number("--max-tokens-limit", "Most new tokens one request may ask for (and what a chat request that names none gets).",
            "a positive whole number", (int n) => n > 0, defaultValue: 2048);
        var concurrent = CliOptions.Number("--max-concurrent-requests", "Requests generating at once (one decode batch); more are answered 429 with Retry-After.",
            "a positive whole number", (int n) => n > 0, defaultValue: 64);
        var batch = CliOptions.Number("--max-batch-size", $"Most requests decoded together, each with its own KV cache; admitted requests beyond wait for a row. Default --max-concurrent-requests, at most {ServeOptions.DefaultMaxBatchSize}.",
            "a positive whole number", (int n) => n > 0);
        // A body is buffered whole in one array, which .NET caps at Array.MaxLength bytes.
        var requestBytes = CliOptions.Number("--max-request-bytes", "Largest request body accepted.",
            $"a whole number from 1 to {Array.MaxLength}", (long n) => n > 0 && n <= Array.MaxLength, defaultValue: 4L * 1024 * 1024);

        var command = new Command("serve", "Serve a local model over an OpenAI-compatible HTTP API (/v1/chat/completions with streaming, /v1/completions, /v1/models).")
        {
            host, port, name, apiKeyEnv, maxTokens, concurrent, batch, requestBytes,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(batch) is null)
                return;
            int rows, slots;
            try
            {
                rows = result.GetValue(batch);
                slots = result.GetValue(concurrent);
            }
            catch (InvalidOperationException)
            {
                return;   // a value its option refused, which is already reported as its own error
            }
            if (rows > slots)
                result.AddError($"--max-batch-size {rows} is above --max-concurrent-requests {slots}: the batch never holds more rows than there are slots");
        });
        foreach (var option in model.All)
            command.Options.Add(option);
        command.SetAction(async (result, cancellationToken) =>
        {
            string? keyVariable = result.GetValue(apiKeyEnv);
            string? key = keyVariable is null ? null
                : Environment.GetEnvironmentVariable(keyVariable) is { Length: > 0 } value ? value
                : throw new InvalidOperationException($"--api-key-env {keyVariable}: the variable is not set");
            var options = new ServeOptions
            {
                ModelName = result.GetValue(name) ?? ModelArguments.NameOf(result.GetValue(model.Model)!),
                ApiKey = key,
                MaxTokensLimit = result.GetValue(maxTokens),
                MaxConcurrentRequests = result.GetValue(concurrent),
                MaxBatchSize = result.GetResult(batch) is null ? Math.Min(result.GetValue(concurrent), ServeOptions.DefaultMaxBatchSize) : result.GetValue(batch),
                MaxRequestBytes = result.GetValue(requestBytes),
            };
            if (GlibcMalloc.FixMmapThreshold())
                Console.Error.WriteLine($"glibc malloc: mmap threshold fixed at {GlibcMalloc.MmapThreshold >> 20} MiB, so freed tensors go back to the system (set MALLOC_MMAP_THRESHOLD_ to choose another)");
            using var local = model.Load(result);
            await using var server = new OpenAIServer(local, IPAddress.Parse(result.GetValue(host)!), result.GetValue(port), options);
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            Console.Error.WriteLine($"serving {options.ModelName} ({local.Model.Describe()}){(key is null ? "" : ", API key required")}");
            Console.Out.WriteLine($"listening on {server.Address}");
            Console.Out.Flush();
            await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
