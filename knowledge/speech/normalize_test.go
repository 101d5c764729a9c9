package speech

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"您好", "您好"},
		{"这里是12345政务服务便民热线", "这里是幺二三四五政务服务便民热线"},
		{"如遇紧急警情请按9", "如遇紧急警情请按九"},
		{"请拨打110", "请拨打幺幺零"},
		{"120、119、122", "幺二零、幺幺九、幺二二"},
		{"13812345678", "幺三八幺二三四五六七八"},
		{"0351-1234567", "零三五幺-幺二三四五六七"},
		{"人工服务请按0", "人工服务请按零"},
		{"请按1", "请按一"},
		{"15秒", "十五秒"},
		{"10", "十"},
		{"20", "二十"},
		{"99", "九十九"},
		{"05", "零五"},
		{"全角１２３４５", "全角幺二三四五"},
		{"工单20261128001号", "工单二零二六幺幺二八零零幺号"},
		{"a1b22c333", "a一b二十二c三三三"},
	}
	for _, tc := range tests {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"12345", "请按1", "０３", "a9b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Normalize(s)
		if Normalize(out) != out {
			t.Fatalf("not idempotent: %q -> %q", s, out)
		}
		for _, r := range out {
			if isDigit(r) {
				t.Fatalf("digit left in %q", out)
			}
		}
	})
}
