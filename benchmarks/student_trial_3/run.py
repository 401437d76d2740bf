import json, sys, time, os, re, html
import nbformat
from nbclient import NotebookClient
CH = "/tmp/trial3/main/chapters"
# chapter -> (stub index, check source)
EX = {
 "02": ("02_rnn_basics", 13, "check_forward(my_forward)"),
 "03b": ("03b_paying_less", 46, "check_chunk_and_detach(my_chunk_and_detach)"),
 "04": ("04_bptt_math", 25, "check_bptt(my_bptt)"),
 "04j": ("04_bptt_math", 72, "check_hidden_jacobian(my_hidden_jacobian)"),
 "05": ("05_pytorch", 74, "check_chunk_and_detach(my_chunk_and_detach)"),
 "08b": ("08b_clipping", 12, "check_clipping(my_clip_norm)"),
 "89": ("08d2_gated_bptt", 26, "check_lstm_backward(my_lstm_backward)"),
}
def text_of(outs):
    res = []
    for o in outs:
        if o.output_type == "stream": res.append(o.text)
        elif o.output_type == "error": res.append("ERROR " + o.ename + ": " + o.evalue)
        elif "data" in o:
            d = o.data
            if "text/html" in d:
                t = re.sub(r"<br\s*/?>|</p>|</li>|</div>", "\n", d["text/html"])
                t = html.unescape(re.sub(r"<[^>]+>", "", t))
                res.append("[html] " + t)
            elif "text/plain" in d: res.append(d["text/plain"])
    return "\n".join(res)

def run(key, attempt_src):
    name, stub, check = EX[key]
    nb = nbformat.read(f"{CH}/{name}.ipynb", as_version=4)
    cells = [c for c in nb.cells[:stub]]
    cells.append(nbformat.v4.new_code_cell(attempt_src))
    cells.append(nbformat.v4.new_code_cell(check))
    nb.cells = cells
    env = dict(os.environ, JPY_SESSION_NAME=f"{CH}/{name}.ipynb")
    client = NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": CH}})
    t0 = time.time()
    with client.setup_kernel(env=env, cwd=CH):
        for i, c in enumerate(nb.cells):
            if c.cell_type != "code": continue
            if i == len(nb.cells) - 1: t1 = time.time()
            client.execute_cell(c, i)
    t2 = time.time()
    return dict(prefix=t1 - t0, check=t2 - t1, out=text_of(nb.cells[-1].outputs),
                student_out=text_of(nb.cells[-2].outputs))

if __name__ == "__main__":
    key = sys.argv[1]
    files = sys.argv[2:]
    for f in files:
        src = open(f).read()
        r = run(key, src)
        r["file"] = f
        with open(f + ".json", "w") as fh: json.dump(r, fh)
        print(f, f"prefix={r['prefix']:.1f}s check={r['check']:.1f}s")
        print(r["out"][:1500]); print("-----", flush=True)
