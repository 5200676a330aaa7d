A="q\"d \\ b \$x \`"
B="keep \n and \a"
C="line\
cont"
D="one
two"
E="$HOME"
F=un\ quoted\;x
G=a"b c"'d e'f
H=x\
y
