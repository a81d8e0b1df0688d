import sys, re, collections
# reads `perf script` output; prints by thread (comm), by leaf owner, top leaf symbols, top inclusive frames
samples=[]; cur=None
for line in sys.stdin:
    line=line.rstrip('\n')
    if not line.strip():
        if cur: samples.append(cur); cur=None
        continue
    if not line.startswith((' ','\t')):
        comm=line.split()[0] if not line.startswith('.NET') else ' '.join(line.split()[:3])
        m=re.match(r'^(.*?)\s+\d+(/\d+)?\s+',line)
        cur=(m.group(1).strip() if m else line,[])
    else:
        parts=line.strip().split(None,1)
        sym=parts[1] if len(parts)>1 else '?'
        sym=re.sub(r'\s+\(\S*\)$','',sym)
        cur[1].append(sym)
if cur: samples.append(cur)
n=len(samples)
print('samples',n)
def top(c,k=25):
    for s,v in c.most_common(k): print(f'{100*v/n:6.1f}% {v:6d} {s[:160]}')
print('== threads'); top(collections.Counter(c for c,_ in samples),15)
print('== leaf'); top(collections.Counter(st[0] if st else '?' for _,st in samples),40)
inc=collections.Counter()
for _,st in samples:
    for s in set(st): inc[s]+=1
print('== inclusive'); top(inc,80)
