# comment
   # indented comment

export A=1
export	B='2'   # trailing comment
exportC=3
export D
  E=5
F=6 G=7
H=8#notcomment
I=9 #comment
A=last
J=
K=a=b
L=x|y
1M=1
export=1
N=$(id)
